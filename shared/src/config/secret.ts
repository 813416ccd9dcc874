import { readFileSync } from 'node:fs';
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
  const fileVar = `${name}_FILE`;
  const instead = opts.file
    ? `set ${name} in the environment, or ${fileVar} to a file holding it`
    : `set ${name} in the environment`;
  if (r.fromFlag(name)) {
    r.raw(name); // consumed: refused here, not reported again as an unknown option
    return r.problem(notAFlag(name, instead));
  }
  const path = opts.file ? r.raw(fileVar) : undefined;
  const direct = r.raw(name);
  if (path === undefined) return direct === undefined ? undefined : { value: direct, from: name };
  if (direct !== undefined) {
    return r.problem(`${fileVar}: expected either ${name} or ${fileVar}, not both`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return r.fail(fileVar, `a readable file holding ${name}`, `${path} (${code})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') return r.fail(fileVar, `a file holding ${name}`, `${path} (empty)`);
  return { value, from: fileVar };
}
