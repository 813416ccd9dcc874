import { notAFlag, type ConfigReader } from './reader.js';

export interface SecretValue {
  value: string;
  /** The variable it came from (NAME or NAME_FILE), for the start-up line; never the value. */
  from: string;
}

/**
 * A secret setting: from the environment (`NAME`), or with `file` also from the file named by
 * `NAME_FILE` (as Docker and Kubernetes mount secrets; one trailing newline is dropped, since
 * editors and `echo` add one). Never from a `--flag`: a command line shows in `ps`, so a flag is
 * refused with one line saying where to put it instead.
 */
export function readSecret(
  r: ConfigReader,
  name: string,
  opts: { file?: boolean } = {},
): SecretValue | undefined {
  const instead = opts.file
    ? `set ${name} in the environment, or ${name}_FILE to a file holding it`
    : `set ${name} in the environment`;
  if (r.fromFlag(name)) {
    r.raw(name); // consumed: refused here, not reported again as an unknown option
    return r.problem(notAFlag(name, instead));
  }
  const from = opts.file ? r.fromFile(name) : name;
  const value = r.raw(name);
  return value === undefined ? undefined : { value, from };
}
