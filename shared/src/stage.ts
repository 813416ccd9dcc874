import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { StageSettings } from './config/common.js';
import type { Metrics } from './metrics.js';
import { closeRedis, createRedis, type Redis } from './redis/client.js';
import { StageRunner, type BatchHandler } from './redis/stage-runner.js';

export interface StageOptions {
  /** The consumer group: the stage's name. */
  group: string;
  stream: string;
  settings: StageSettings;
  log: Logger;
  metrics?: Metrics;
  handle: (redis: Redis) => BatchHandler;
  beforeRead?: () => Promise<void>;
}

export interface Stage {
  runner: StageRunner;
  redis: Redis;
  reader: Redis;
  /** Stops the runner after its batch in hand, then closes both connections. */
  close(): Promise<void>;
}

/** A unique consumer name per process unless CONSUMER_NAME fixes one. */
export function consumerNameFor(settings: StageSettings): string {
  return settings.consumerName ?? `${hostname()}-${process.pid}`;
}

/** Connections plus a StageRunner for one stage; every stage is this plus its handler. */
export function createStage(o: StageOptions): Stage {
  const consumer = consumerNameFor(o.settings);
  const redis = createRedis(o.settings.redisUrl, {
    role: 'worker',
    name: `${o.group}:${consumer}`,
  });
  const reader = createRedis(o.settings.redisUrl, {
    role: 'worker',
    name: `${o.group}:${consumer}:reader`,
  });
  for (const c of [redis, reader])
    c.on('error', (err) => o.log.warn({ err: err.message }, 'redis connection error'));
  const s = o.settings;
  const runner = new StageRunner({
    redis,
    reader,
    stream: o.stream,
    group: o.group,
    consumer,
    handle: o.handle(redis),
    log: o.log.child({ consumer }),
    batchSize: s.batchSize,
    blockMs: s.blockMs,
    claimMinIdleMs: s.claimMinIdleMs,
    claimIntervalMs: s.claimIntervalMs,
    maxDeliveries: s.maxDeliveries,
    trim: s.trim,
    metrics: o.metrics,
    beforeRead: o.beforeRead,
  });
  let closing: Promise<void> | undefined;
  return {
    runner,
    redis,
    reader,
    close: () =>
      (closing ??= (async () => {
        await runner.stop();
        await closeRedis(reader);
        await closeRedis(redis);
      })()),
  };
}
