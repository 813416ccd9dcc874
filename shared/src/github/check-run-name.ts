const SEPARATOR = ' / ';

/**
 * A Check Run's name (DESIGN.md "Check Runs"): `<GITHUB_CHECK_NAME> / <job id>`, or the check
 * name alone for the single job of a commit without a usable workflow.
 */
export function checkRunName(checkName: string, jobId: string | null): string {
  return jobId ? `${checkName}${SEPARATOR}${jobId}` : checkName;
}

/**
 * The job a run of ours is named after (checkRunName read back): its id, or null for the
 * single job without a workflow; undefined when the run is not ours.
 */
export function jobIdOfCheckRun(checkName: string, runName: string): string | null | undefined {
  if (runName === checkName) return null;
  const prefix = `${checkName}${SEPARATOR}`;
  return runName.startsWith(prefix) ? runName.slice(prefix.length) : undefined;
}

/**
 * The name of a notice run (not a job: "waiting for approval", "App permissions"):
 * `<GITHUB_CHECK_NAME> / <what>`. `what` has a space, which no job id has, so a notice is
 * never taken for a job's run.
 */
export function noticeRunName(checkName: string, what: string): string {
  return `${checkName}${SEPARATOR}${what}`;
}
