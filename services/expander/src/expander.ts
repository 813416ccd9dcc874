import type { Server } from 'node:http';
import {
  closeAll,
  createGitHubApp,
  createMetrics,
  createStage,
  keysFor,
  perEntry,
  startStageOps,
  type Logger,
  type Metrics,
  type Stage,
} from '@solstice/shared';
import { createWorkflowSource } from './adapters/workflow-source.js';
import type { ExpanderConfig } from './config.js';
import { expandEvent, type ExpandDeps } from './expand-event.js';
import { countFetch, expanderMetrics } from './expander-metrics.js';
import { WORKFLOW_PATH } from './to-job-requests.js';

export interface Expander {
  stage: Stage;
  metrics: Metrics;
  ops: Server | undefined;
  /** Stops reading, commits the batch in hand, closes every connection. Idempotent. */
  close(): Promise<void>;
}

/** Wires `{P}:events` → expandEvent (GitHub Contents API, KDL) → `{P}:jobs`, and starts it. */
export async function startExpander(config: ExpanderConfig, log: Logger): Promise<Expander> {
  const keys = keysFor(config.stage.streamPrefix);
  const metrics = createMetrics('expander');
  const counters = expanderMetrics(metrics);
  if (!config.github.app)
    log.warn(
      'no GitHub App credentials (GITHUB_APP_ID with GITHUB_APP_KEY_PATH or GITHUB_APP_KEY): ' +
        `${WORKFLOW_PATH} is not read, every event becomes one job without a workflow`,
    );

  const stage = createStage({
    group: 'expander',
    stream: keys.events,
    settings: config.stage,
    log,
    metrics,
    handle: (redis) => {
      const githubApp = config.github.app;
      const deps: ExpandDeps = {
        source: githubApp
          ? createWorkflowSource({
              app: createGitHubApp({
                settings: config.github,
                app: githubApp,
                redis,
                tokenKey: keys.tokenCache,
                log,
                metrics,
              }),
              redis,
              keyFor: keys.workflowCache,
              ttlSeconds: config.workflowCacheTtlSeconds,
              path: WORKFLOW_PATH,
              maxBytes: config.limits.maxBytes,
              log,
              counted: countFetch(counters),
            })
          : undefined,
        settings: {
          checkName: config.checkName,
          checkSuiteRequested: config.checkSuiteRequested,
          runsOn: config.runsOn,
          limits: config.limits,
        },
        jobsStream: keys.jobs,
        log,
        metrics: counters,
      };
      return perEntry((entry) => expandEvent(entry.fields, deps));
    },
  });

  const closers: [string, () => Promise<unknown>][] = [['stage', () => stage.close()]];
  try {
    void stage.runner.start();
    const ops = await startStageOps(
      config.stage.metricsAddr,
      {
        registry: metrics.registry,
        ready: async () => !stage.runner.stopped && (await stage.redis.ping()) === 'PONG',
        log,
      },
      closers,
    );
    let closing: Promise<void> | undefined;
    return { stage, metrics, ops, close: () => (closing ??= closeAll(log, closers)) };
  } catch (err) {
    await closeAll(log, closers);
    throw err;
  }
}
