// What a workflow file, a pull request label or the configuration may name. These values
// travel to the orchestrator, into shell commands and into Check Run names, so they are
// held to small character sets instead of being escaped later.

/** Job ids: `[A-Za-z0-9._-]`, 1..100 characters, starting with a letter or digit. */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Runner labels: as job ids plus `:` and `/` (`omnios:r151046`, `x86_64/ubuntu-22.04`),
 * starting with a letter or digit so a label is never read as an option.
 */
const RUNNER_LABEL = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

/** owner/repo as GitHub allows them. */
const FULL_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

const SCRIPT_MAX = 1024;

export const isJobId = (value: string): boolean => JOB_ID.test(value);
export const isRunnerLabel = (value: string): boolean => RUNNER_LABEL.test(value);
export const isRepoFullName = (value: string): boolean => FULL_NAME.test(value);

/**
 * Why `path` cannot be a job's script, or undefined when it can: it must be a path inside
 * the repository (relative, no `..` segment), with no backslash, control character, NUL,
 * leading `-` (an option) or `~` (a home directory).
 */
export function scriptPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.length > SCRIPT_MAX) return `is longer than ${SCRIPT_MAX} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\x00-\x1f\x7f]/.test(path)) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/')) return 'is absolute (it must be relative to the repository)';
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter';
  if (path.startsWith('~')) return "starts with '~'";
  if (path.startsWith('-')) return "starts with '-'";
  if (path.split('/').includes('..')) return "has a '..' segment (it must stay in the repository)";
  if (path.endsWith('/')) return 'names a directory';
  return undefined;
}
