import type { Server } from 'node:http';
import {
  closeStageConnections,
  connectAmqp,
  consumerNameFor,
  createMetrics,
  createStage,
  keysFor,
  Lifecycle,
  type Consumer,
  type Logger,
  type ShutdownReport,
  type Metrics,
  type RecoveringChannelModel,
  type StageConnections,
  type StageRunner,
} from '@solstice/shared';
import { reporterAdapters, type ReporterAdapters } from './adapters/reporter-adapters.js';
import { resultsConsumer } from './adapters/results-consumer.js';
import { sampleWriterGauges } from './adapters/writer-gauges.js';
import type { ReporterConfig } from './config.js';
import { checksBatchHandler } from './handle-checks-batch.js';
import { handleResultMessage } from './handle-result-message.js';
import { reporterMetrics, type ReporterMetrics } from './reporter-metrics.js';
import { WriteScheduler } from './write-scheduler.js';
import { writeTurn } from './write-turn.js';

export interface Reporter {
  stage: StageRunner;
  consumer: Consumer;
  writers: WriteScheduler;
  amqp: RecoveringChannelModel;
  metrics: Metrics;
  ops: Server | undefined;
  /** Stops reading both inputs and writing, finishes what is in hand, closes everything. Idempotent. */
  close(): Promise<ShutdownReport>;
}

/**
 * Wires the reporter: `{P}:checks` and the results queue record what each job's Check Run
 * should show; the installation writers bring GitHub there. The connections become the
 * reporter's: close() closes them.
 */
export async function startReporter(
  config: ReporterConfig,
  connections: StageConnections,
  log: Logger,
): Promise<Reporter> {
  if (config.logsBaseUrlDeprecated)
    log.warn('ORCH_HTTP_BASE is deprecated: set LOGS_BASE_URL instead (same value)');
  for (const warning of config.warnings) log.warn(warning);
  const life = new Lifecycle(log);
  life.defer('Redis', () => closeStageConnections(connections));
  return life.starting(async () => {
    const { redis } = connections;
    const keys = keysFor(config.stage.streamPrefix);
    const metrics = createMetrics('reporter');
    const counters = reporterMetrics(metrics);
    const a = reporterAdapters({ config, redis, keys, log, metrics });
    const writers = installationWriters(config, a, counters, log);
    const queued = () => writers.wake();
    const consumer = resultsConsumer(
      config,
      (msg) =>
        handleResultMessage(msg.content, {
          ...a,
          logsBaseUrl: config.logsBaseUrl,
          queued,
          log,
          metrics: counters,
        }),
      log,
    );
    const amqp = await connectAmqp({
      url: config.amqp.amqpUrl,
      log,
      setup: async (model) => {
        await a.dead.setup(model);
        await consumer.setup(model);
      },
    });
    life.defer('AMQP connection', () => amqp.close());
    life.defer('dead-letter channel', () => a.dead.close());
    life.defer('writers', () => writers.stop(), { kind: 'drain' });
    life.defer('results consumer', () => consumer.stop(), { kind: 'drain' });
    const stage = createStage({
      group: 'reporter',
      stream: keys.checks,
      settings: config.stage,
      connections,
      log,
      metrics,
      handle: checksBatchHandler({ records: a.records, queued, log }),
    });
    life.deferStage(stage);
    void stage.start();
    writers.start();
    const gauges = setInterval(
      () => void sampleWriterGauges(redis, keys, counters).catch(() => undefined),
      5000,
    );
    life.defer('gauges', () => clearInterval(gauges));
    const ops = await life.startOps(config.stage.metricsAddr, {
      registry: metrics.registry,
      ready: async () => consumer.consuming() && !stage.stopped && (await redis.ping()) === 'PONG',
    });
    return { stage, consumer, writers, amqp, metrics, ops, close: life.close };
  });
}

/** The installation writers: one turn at a time per installation, under a lease in Redis. */
function installationWriters(
  config: ReporterConfig,
  a: ReporterAdapters,
  counters: ReporterMetrics,
  log: Logger,
): WriteScheduler {
  const deps = { ...a, checkName: config.checkName, retry: config.writers.retry, log };
  return new WriteScheduler({
    store: a.writers,
    turn: (inst, token) => writeTurn(inst, token, { ...deps, metrics: counters }),
    leaseMs: config.writers.leaseMs,
    concurrency: config.writers.concurrency,
    holder: consumerNameFor(config.stage),
    log,
  });
}
