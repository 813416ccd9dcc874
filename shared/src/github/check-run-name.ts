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
