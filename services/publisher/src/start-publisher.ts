import type { Server } from 'node:http';
import {
  ConfigError,
  closeAll,
  connectAmqp,
  createMetrics,
  createStage,
  keysFor,
  startStageOps,
  type Logger,
  type Metrics,
  type RecoveringChannelModel,
  type Stage,
} from '@solstice/shared';
import type { PublisherConfig } from './config.js';
import { publishJobs } from './publish-jobs.js';
import { publisherMetrics } from './publisher-metrics.js';
import { PublishingLink } from './publishing-link.js';

export interface Publisher {
  stage: Stage;
  link: PublishingLink;
  amqp: RecoveringChannelModel;
  metrics: Metrics;
  ops: Server | undefined;
  /**
   * Settles only if the broker refuses the topology after the start (someone declared the
   * queue anew with other arguments): the line says what to fix.
   */
  fatal: Promise<string>;
  /** Stops reading, finishes the batch in hand, closes channel, connection, Redis. Idempotent. */
  close(): Promise<void>;
}

export interface StartPublisherOptions {
  /** Shown in the broker's connection list (default: the logger's `stage`). */
  connectionName?: string;
}

/**
 * Wires the publisher: `{P}:jobs` (group `publisher`) → confirmed publish to AMQP_EXCHANGE →
 * ack + `{P}:checks` record. Resolves once the topology is declared and a confirm channel is
 * open (the ops server answers meanwhile: not ready); rejects with a ConfigError when the
 * broker refuses the topology.
 */
export async function startPublisher(
  config: PublisherConfig,
  log: Logger,
  options: StartPublisherOptions = {},
): Promise<Publisher> {
  const keys = keysFor(config.stage.streamPrefix);
  // A batch may wait for drain and then for confirms; a copy claiming its entries meanwhile
  // would publish them twice (harmless, message_id = request_id, but wasted).
  if (config.stage.claimMinIdleMs <= 2 * config.amqp.confirmTimeoutMs) {
    log.warn(
      {
        claimMinIdleMs: config.stage.claimMinIdleMs,
        confirmTimeoutMs: config.amqp.confirmTimeoutMs,
      },
      'CLAIM_MIN_IDLE_MS should exceed twice CONFIRM_TIMEOUT_MS, or entries still being published can be claimed by another copy',
    );
  }
  const metrics = createMetrics('publisher');
  let onFatal: (line: string) => void = () => undefined;
  const fatal = new Promise<string>((resolve) => (onFatal = resolve));
  const { amqpUrl, confirmTimeoutMs, ...topology } = config.amqp;
  const link = new PublishingLink({
    topology,
    messageType: 'jobrequest.v1',
    confirmTimeoutMs,
    log,
    // Said once, by runMain, as the line the process stops with.
    onFatal: (line) => onFatal(line),
  });
  const amqp = await connectAmqp({
    url: amqpUrl,
    log,
    setup: link.setup,
    waitForConnect: false,
    connectionName: options.connectionName,
  });
  const stage: Stage = createStage({
    group: 'publisher',
    stream: keys.jobs,
    settings: config.stage,
    log,
    metrics,
    handle: () =>
      publishJobs({
        publishBatch: (messages) => link.publishBatch(messages),
        checksStream: keys.checks,
        log,
        metrics: publisherMetrics(metrics),
      }),
    // Read only while a confirm channel is open: what cannot be published stays in the stream.
    beforeRead: () => link.waitForChannel(() => stage.runner.stopped),
  });

  const closers: [string, () => Promise<unknown>][] = [
    ['stream runner', () => stage.runner.stop()],
    ['confirm channel', () => link.close()],
    ['AMQP connection', () => amqp.close()],
    ['Redis', () => stage.close()],
  ];
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= closeAll(log, closers));
  try {
    void stage.runner.start();
    const ops = await startStageOps(
      config.stage.metricsAddr,
      {
        registry: metrics.registry,
        ready: async () => link.isOpen && !stage.runner.stopped && (await pingWithin(stage, 2000)),
        log,
      },
      closers,
    );
    const first = await Promise.race([amqp.waitForConnect().then(() => undefined), fatal]);
    if (first !== undefined) throw new ConfigError([first]);
    return { stage, link, amqp, metrics, ops, fatal, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A worker connection queues commands while Redis is away: bound the readiness probe. */
async function pingWithin(stage: Stage, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([stage.redis.ping().then((pong) => pong === 'PONG'), late]);
  } finally {
    clearTimeout(timer);
  }
}
