import type { Server } from 'node:http';
import {
  ConfigError,
  closeStageConnections,
  createMetrics,
  createStage,
  keysFor,
  Lifecycle,
  pingWithin,
  type Logger,
  type ShutdownReport,
  type Metrics,
  type PublishingLink,
  type RecoveringChannelModel,
  type StageConnections,
  type StageRunner,
} from '@solstice/shared';
import { checkIdentityWriter } from './adapters/check-identities.js';
import { connectJobsLink } from './adapters/jobs-link.js';
import { claimIdleWarning, type PublisherConfig } from './config.js';
import { publishJobs } from './publish-jobs.js';
import { publisherMetrics } from './publisher-metrics.js';

export interface Publisher {
  stage: StageRunner;
  link: PublishingLink;
  amqp: RecoveringChannelModel;
  metrics: Metrics;
  ops: Server | undefined;
  /** Settles only if the broker refuses the topology after the start: the line says what to fix. */
  fatal: Promise<string>;
  /** Stops reading, finishes the batch in hand, closes channel, connection, Redis. Idempotent. */
  close(): Promise<ShutdownReport>;
}

/**
 * Wires `{P}:jobs` (group `publisher`) → confirmed publish to AMQP_EXCHANGE → ack + `{P}:checks`
 * record. Resolves once a confirm channel is open (the ops server answers meanwhile: not
 * ready); rejects with a ConfigError when the broker refuses the topology. The connections
 * become the publisher's: close() closes them.
 */
export async function startPublisher(
  config: PublisherConfig,
  connections: StageConnections,
  log: Logger,
  options: { connectionName?: string } = {},
): Promise<Publisher> {
  const warning = claimIdleWarning(config);
  if (warning) log.warn(warning);
  const life = new Lifecycle(log);
  life.defer('Redis', () => closeStageConnections(connections));
  return life.starting(async () => {
    const keys = keysFor(config.stage.streamPrefix);
    const metrics = createMetrics('publisher');
    const { link, amqp, fatal } = await connectJobsLink(config.amqp, log, options.connectionName);
    life.defer('AMQP connection', () => amqp.close());
    life.defer('confirm channel', () => link.close());
    const stage: StageRunner = createStage({
      group: 'publisher',
      stream: keys.jobs,
      settings: config.stage,
      connections,
      log,
      metrics,
      handle: publishJobs({
        recordIdentities: checkIdentityWriter({
          redis: connections.redis,
          keyFor: keys.checkRecord,
          ttlSeconds: config.checkRecordTtlSeconds,
        }),
        publishBatch: (messages) => link.publishBatch(messages),
        checksStream: keys.checks,
        log,
        metrics: publisherMetrics(metrics),
      }),
      // Read only while a confirm channel is open: what cannot be published stays in the stream.
      beforeRead: () => link.waitForChannel(() => stage.stopped),
    });
    life.deferStage(stage);
    void stage.start();
    const ops = await life.startOps(config.stage.metricsAddr, {
      registry: metrics.registry,
      ready: async () =>
        link.isOpen && !stage.stopped && (await pingWithin(connections.redis, 2000)),
    });
    const first = await Promise.race([amqp.waitForConnect().then(() => undefined), fatal]);
    if (first !== undefined) throw new ConfigError([first]);
    return { stage, link, amqp, metrics, ops, fatal, close: life.close };
  });
}
