import {
  ConfigReader,
  readCheckRecordTtl,
  readCredentialsDir,
  readCheckName,
  readEventRules,
  readGitHubSettings,
  readStageSettings,
  type ConfigSource,
  type GitHubSettings,
  type StageSettings,
} from '@solstice/shared';
import { FORK_POLICIES, type ForkPolicy } from './fork-policy.js';
import type { WorkflowLimits } from './parse-workflow.js';
import type { RunsOnSettings } from './runs-on.js';
import { isRepoFullName, isRunnerLabel } from './safe-names.js';

export interface ExpanderConfig {
  stage: StageSettings;
  /**
   * github.app undefined: the program waits for the App (setup state); startExpander given
   * such settings reads no workflow file (one job per event).
   */
  github: GitHubSettings;
  /** CREDENTIALS_DIR, where the App's credentials may appear (setup state). */
  credentialsDir: string | undefined;
  checkName: string;
  runsOn: RunsOnSettings;
  limits: WorkflowLimits;
  workflowCacheTtlSeconds: number;
  checkSuiteRequested: boolean;
  /** FORK_PULL_REQUESTS */
  forkPullRequests: ForkPolicy;
  /** CHECK_RECORD_TTL_DAYS: how long a fork pull request waits for approval. */
  approvalTtlSeconds: number;
}

const LABEL_RULE = '1-100 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit';

/** The expander's settings from flags and environment; throws a ConfigError listing every problem. */
export function readExpanderConfig(source: ConfigSource = {}): ExpanderConfig {
  const r = new ConfigReader(source);
  const stage = readStageSettings(r, '0.0.0.0:9101');
  const github = readGitHubSettings(r);
  const runsOnDefault = r.string('RUNS_ON_DEFAULT');
  if (runsOnDefault !== undefined && !isRunnerLabel(runsOnDefault))
    r.fail('RUNS_ON_DEFAULT', `a runner label (${LABEL_RULE})`, runsOnDefault);
  const map = parseRunsOnMap(r.string('RUNS_ON_MAP') ?? '');
  const forks = (r.string('FORK_PULL_REQUESTS') ?? 'approve').toLowerCase();
  if (!FORK_POLICIES.includes(forks as ForkPolicy))
    r.fail('FORK_PULL_REQUESTS', FORK_POLICIES.join(', '), forks);
  for (const { entry, expected } of map.bad) r.fail('RUNS_ON_MAP', expected, entry);
  const config: ExpanderConfig = {
    stage,
    github,
    checkName: readCheckName(r),
    runsOn: { default: runsOnDefault, map: map.map },
    limits: {
      // GitHub's Contents API gives file content up to 1 MB.
      maxBytes: r.int('WORKFLOW_MAX_BYTES', 64 * 1024, { min: 1, max: 1024 * 1024 }),
      maxJobs: r.int('WORKFLOW_MAX_JOBS', 256, { min: 1, max: 10_000 }),
    },
    workflowCacheTtlSeconds: r.int('WORKFLOW_CACHE_TTL_SECONDS', 86_400, { min: 1 }),
    ...readEventRules(r),
    forkPullRequests: forks as ForkPolicy,
    approvalTtlSeconds: readCheckRecordTtl(r),
    credentialsDir: readCredentialsDir(r)?.dir,
  };
  r.done();
  return config;
}

/** `owner/repo=label,owner/repo2=label2` → lower-case owner/repo → label; bad entries apart. */
export function parseRunsOnMap(text: string): {
  map: Map<string, string>;
  bad: { entry: string; expected: string }[];
} {
  const map = new Map<string, string>();
  const bad: { entry: string; expected: string }[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const repo = eq > 0 ? entry.slice(0, eq).trim() : '';
    const label = eq > 0 ? entry.slice(eq + 1).trim() : '';
    const key = repo.toLowerCase();
    if (!isRepoFullName(repo) || !isRunnerLabel(label))
      bad.push({
        entry,
        expected: `comma-separated owner/repo=label entries (label: ${LABEL_RULE})`,
      });
    else if (map.has(key)) bad.push({ entry, expected: `each owner/repo once (${repo} repeats)` });
    else map.set(key, label);
  }
  return { map, bad };
}
