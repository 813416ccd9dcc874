import {
  createGitHubApp,
  createInstallationLookup,
  type InstallationLookup,
  type Keys,
  type Logger,
  type Metrics,
  type Redis,
} from '@solstice/shared';
import type { ExpanderConfig } from '../config.js';
import { countFetch, type ExpanderMetrics } from '../expander-metrics.js';
import { WORKFLOW_PATH } from '../to-job-requests.js';
import { createPermissionSource, type PermissionSource } from './permission-source.js';
import { createWorkflowSource, type WorkflowSource } from './workflow-source.js';

/** What the expander reads from GitHub as the App. */
export interface AppReads {
  source: WorkflowSource;
  /** The installation of an event that names none (the original integration's minimal payloads). */
  installations: InstallationLookup;
  /** A user's permission on a repository (who may approve a fork pull request). */
  permissions: PermissionSource;
}

/**
 * The workflow files, read as the GitHub App (installation tokens shared through Redis);
 * undefined, with a warning, when no App credentials are set: every event becomes one job.
 */
export function appWorkflowSource(o: {
  config: ExpanderConfig;
  redis: Redis;
  keys: Keys;
  log: Logger;
  metrics: Metrics;
  counters: ExpanderMetrics;
}): AppReads | undefined {
  const { config, redis, keys, log } = o;
  if (!config.github.app) {
    log.warn(
      'no GitHub App credentials (GITHUB_APP_ID with GITHUB_APP_KEY_PATH or GITHUB_APP_KEY): ' +
        `${WORKFLOW_PATH} is not read, every event becomes one job without a workflow`,
    );
    return undefined;
  }
  const app = createGitHubApp({
    settings: config.github,
    app: config.github.app,
    redis,
    tokenKey: keys.tokenCache,
    log,
    metrics: o.metrics,
  });
  const source = createWorkflowSource({
    app,
    redis,
    keyFor: keys.workflowCache,
    ttlSeconds: config.workflowCacheTtlSeconds,
    path: WORKFLOW_PATH,
    maxBytes: config.limits.maxBytes,
    log,
    counted: countFetch(o.counters),
  });
  return {
    source,
    installations: createInstallationLookup({ app, redis, keyFor: keys.installation }),
    permissions: createPermissionSource(app),
  };
}
