import type { Server } from 'node:http';
import {
  closeStageConnections,
  createMetrics,
  createStage,
  keysFor,
  Lifecycle,
  perEntry,
  type Logger,
  type ShutdownReport,
  type Metrics,
  type StageConnections,
  type StageRunner,
} from '@solstice/shared';
import { appWorkflowSource } from './adapters/app-workflow-source.js';
import { createApprovalStore } from './adapters/approval-store.js';
import { rerunLookup } from './adapters/rerun-lookup.js';
import type { ExpanderConfig } from './config.js';
import { expandEvent } from './expand-event.js';
import { expanderMetrics } from './expander-metrics.js';

export interface Expander {
  stage: StageRunner;
  metrics: Metrics;
  ops: Server | undefined;
  /** Stops reading, commits the batch in hand, closes every connection. Idempotent. */
  close(): Promise<ShutdownReport>;
}

/**
 * Wires `{P}:events` → expandEvent (GitHub Contents API, KDL) → `{P}:jobs`, and starts it.
 * The connections become the expander's: close() closes them.
 */
export async function startExpander(
  config: ExpanderConfig,
  connections: StageConnections,
  log: Logger,
): Promise<Expander> {
  const life = new Lifecycle(log);
  life.defer('Redis', () => closeStageConnections(connections));
  return life.starting(async () => {
    const keys = keysFor(config.stage.streamPrefix);
    const metrics = createMetrics('expander');
    const counters = expanderMetrics(metrics);
    const { redis } = connections;
    const github = appWorkflowSource({ config, redis, keys, log, metrics, counters });
    const deps = {
      source: github?.source,
      installations: github?.installations,
      permissions: github?.permissions,
      approvals: createApprovalStore({ redis, keys, ttlSeconds: config.approvalTtlSeconds }),
      settings: config,
      jobsStream: keys.jobs,
      checksStream: keys.checks,
      deadStream: keys.dead(keys.events),
      rerunOf: rerunLookup(redis, keys),
      log,
      metrics: counters,
    };
    const stage = createStage({
      group: 'expander',
      stream: keys.events,
      settings: config.stage,
      connections,
      log,
      metrics,
      handle: perEntry((entry) => expandEvent(entry.fields, deps, entry)),
    });
    life.deferStage(stage);
    void stage.start();
    const ops = await life.startOps(config.stage.metricsAddr, {
      registry: metrics.registry,
      ready: async () => !stage.stopped && (await redis.ping()) === 'PONG',
    });
    return { stage, metrics, ops, close: life.close };
  });
}
