import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { StageSettings } from './config/common.js';
import type { Metrics } from './metrics.js';
import { closeRedis, createRedis, type Redis } from './redis/client.js';
import { StageRunner, type BatchHandler } from './redis/stage-runner.js';

/** A stream stage's Redis connections: commands, and one of its own for the blocking read. */
export interface StageConnections {
  redis: Redis;
  /** Only the runner's XREADGROUP … BLOCK uses it: it holds the connection (ioredis #984). */
  reader: Redis;
}

export interface StageOptions {
  /** The consumer group: the stage's name. */
  group: string;
  stream: string;
  settings: StageSettings;
  connections: StageConnections;
  log: Logger;
  metrics?: Metrics;
  handle: BatchHandler;
  beforeRead?: () => Promise<void>;
}

/** A unique consumer name per process unless CONSUMER_NAME fixes one. */
export function consumerNameFor(settings: StageSettings): string {
  return settings.consumerName ?? `${hostname()}-${process.pid}`;
}

/**
 * Opens a stage's two connections (worker role: commands wait through a reconnect, so the
 * stage keeps its place), named `<group>:<consumer>` in CLIENT LIST.
 */
export function connectStage(
  settings: StageSettings,
  group: string,
  log: Logger,
): StageConnections {
  const name = `${group}:${consumerNameFor(settings)}`;
  const redis = createRedis(settings.redisUrl, { role: 'worker', name });
  const reader = createRedis(settings.redisUrl, { role: 'worker', name: `${name}:reader` });
  for (const c of [redis, reader])
    c.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  return { redis, reader };
}

export async function closeStageConnections(c: StageConnections): Promise<void> {
  await closeRedis(c.reader);
  await closeRedis(c.redis);
}

/** The StageRunner of one stage on its connections: every stage is this plus its handler. */
export function createStage(o: StageOptions): StageRunner {
  const consumer = consumerNameFor(o.settings);
  const s = o.settings;
  return new StageRunner({
    redis: o.connections.redis,
    reader: o.connections.reader,
    stream: o.stream,
    group: o.group,
    consumer,
    handle: o.handle,
    log: o.log.child({ consumer }),
    batchSize: s.batchSize,
    blockMs: s.blockMs,
    claimMinIdleMs: s.claimMinIdleMs,
    claimIntervalMs: s.claimIntervalMs,
    retryMinIdleMs: s.retryMinIdleMs,
    heartbeatIntervalMs: s.heartbeatIntervalMs,
    heartbeatTtlMs: s.heartbeatTtlMs,
    maxDeliveries: s.maxDeliveries,
    dead: s.dead,
    trim: s.trim,
    metrics: o.metrics,
    beforeRead: o.beforeRead,
  });
}
