import type { Server } from 'node:http';
import {
  closeStageConnections,
  connectAmqp,
  createMetrics,
  createStage,
  keysFor,
  Lifecycle,
  perEntry,
  type Consumer,
  type Logger,
  type Metrics,
  type RecoveringChannelModel,
  type StageConnections,
  type StageRunner,
} from '@solstice/shared';
import { reporterAdapters } from './adapters/reporter-adapters.js';
import { resultsConsumer } from './adapters/results-consumer.js';
import type { ReporterConfig } from './config.js';
import { handleChecksEntry } from './handle-checks-entry.js';
import { resultMessageHandler } from './handle-result-message.js';
import { reporterMetrics } from './reporter-metrics.js';

export interface Reporter {
  stage: StageRunner;
  consumer: Consumer;
  amqp: RecoveringChannelModel;
  metrics: Metrics;
  ops: Server | undefined;
  /** Stops reading both inputs, finishes what is in hand, closes every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Wires the reporter's two inputs ({P}:checks and the results queue) to GitHub and S3. The
 * connections become the reporter's: close() closes them.
 */
export async function startReporter(
  config: ReporterConfig,
  connections: StageConnections,
  log: Logger,
): Promise<Reporter> {
  if (config.logsBaseUrlDeprecated)
    log.warn('ORCH_HTTP_BASE is deprecated: set LOGS_BASE_URL instead (same value)');
  const life = new Lifecycle(log);
  life.defer('Redis', () => closeStageConnections(connections));
  return life.starting(async () => {
    const { redis } = connections;
    const keys = keysFor(config.stage.streamPrefix);
    const metrics = createMetrics('reporter');
    const counters = reporterMetrics(metrics);
    const adapters = reporterAdapters({ config, redis, keys, log, metrics });
    const deps = { ...adapters, checkName: config.checkName, log, metrics: counters };
    const consumer = resultsConsumer(
      config,
      resultMessageHandler({ ...deps, logsBaseUrl: config.logsBaseUrl }),
      log,
    );
    const amqp = await connectAmqp({ url: config.amqp.amqpUrl, log, setup: consumer.setup });
    life.defer('AMQP connection', () => amqp.close());
    life.defer('results consumer', () => consumer.stop());
    const stage = createStage({
      group: 'reporter',
      stream: keys.checks,
      settings: config.stage,
      connections,
      log,
      metrics,
      handle: perEntry((entry) => handleChecksEntry(entry.fields, deps)),
    });
    life.defer('stream runner', () => stage.stop());
    void stage.start();
    const ops = await life.startOps(config.stage.metricsAddr, {
      registry: metrics.registry,
      ready: async () => consumer.consuming() && !stage.stopped && (await redis.ping()) === 'PONG',
    });
    return { stage, consumer, amqp, metrics, ops, close: life.close };
  });
}
