import { isRunnerLabel } from './safe-names.js';

/** RUNS_ON_DEFAULT and RUNS_ON_MAP (keys are lower-case `owner/repo`). */
export interface RunsOnSettings {
  default: string | undefined;
  map: ReadonlyMap<string, string>;
}

const LABEL_PREFIX = 'runs-on:';

/**
 * The runner label of a job (DESIGN.md "runs_on"): the job's own `runs_on`, else the
 * RUNS_ON_MAP entry for the repository, else the first pull request label `runs-on:<label>`
 * whose label is a valid runner label, else RUNS_ON_DEFAULT, else null.
 */
export function runsOnFor(o: {
  jobRunsOn: string | null;
  /** `owner/repo` the operator configured: the repository the event came from. */
  repository: string;
  labels: readonly string[];
  settings: RunsOnSettings;
}): string | null {
  if (o.jobRunsOn !== null) return o.jobRunsOn;
  const mapped = o.settings.map.get(o.repository.toLowerCase());
  if (mapped !== undefined) return mapped;
  for (const label of o.labels) {
    if (!label.toLowerCase().startsWith(LABEL_PREFIX)) continue;
    const value = label.slice(LABEL_PREFIX.length).trim();
    if (isRunnerLabel(value)) return value;
  }
  return o.settings.default ?? null;
}
