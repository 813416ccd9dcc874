import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisTarget, type RedisTarget } from './redis-target.js';

export type { Redis };

export interface RedisClientOptions {
  /**
   * `worker`: commands wait through a reconnect (a stage must not lose its place);
   * `request`: commands fail at once while disconnected, so an HTTP request can answer 503.
   */
  role: 'worker' | 'request';
  name?: string;
}

/** One ioredis connection; a blocking reader must have one of its own (ioredis #984). */
export function createRedis(url: string, opts: RedisClientOptions): Redis {
  const base: RedisOptions = {
    connectionName: opts.name,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  };
  const roleOptions: RedisOptions =
    opts.role === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : {
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          connectTimeout: 2000,
          commandTimeout: 2000,
        };
  const target = parseRedisTarget(url);
  if (target.kind === 'server') return new Redis(url, { ...base, ...roleOptions });
  return new Redis({ ...base, ...roleOptions, ...sentinelOptions(target) });
}

/**
 * ioredis asks the sentinels for the primary on every (re)connect; failoverDetector drops the
 * connection when they announce a new one (a SENTINEL FAILOVER leaves the old primary up, as
 * a replica). A write that reached a demoted primary (READONLY) reconnects and is sent again.
 */
function sentinelOptions(t: Extract<RedisTarget, { kind: 'sentinel' }>): RedisOptions {
  return {
    sentinels: t.sentinels,
    name: t.name,
    db: t.db,
    username: t.username,
    password: t.password,
    sentinelPassword: t.sentinelPassword,
    ...(t.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    failoverDetector: true,
    sentinelRetryStrategy: (times) => Math.min(100 * times, 1000),
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Closes a client without throwing: QUIT when connected, else drop the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
  } catch {
    redis.disconnect();
  }
}

/**
 * PING answered within `ms`: a worker connection queues commands while Redis is away, so a
 * readiness probe must not wait on it.
 */
export async function pingWithin(redis: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([redis.ping().then((pong) => pong === 'PONG'), late]);
  } finally {
    clearTimeout(timer);
  }
}
