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
  const redis = new Redis({ ...base, ...roleOptions, ...sentinelOptions(target) });
  // ioredis gives up for good ('end', "Connection is closed.") when a reconnect through the
  // sentinels is cut short mid-way, which a failover can do; only quit or disconnect may end it.
  const quit = redis.quit.bind(redis);
  const disconnect = redis.disconnect.bind(redis);
  redis.quit = (...args: Parameters<typeof quit>) => {
    closing.add(redis);
    return quit(...args);
  };
  redis.disconnect = (reconnect = false) => {
    if (!reconnect) closing.add(redis);
    disconnect(reconnect);
  };
  redis.on('end', () => {
    if (closing.has(redis)) return;
    setTimeout(() => {
      if (!closing.has(redis) && redis.status === 'end') redis.connect().catch(() => undefined);
    }, 500).unref();
  });
  return redis;
}

const closing = new WeakSet<Redis>();

/**
 * ioredis asks the sentinels for the primary on every (re)connect. A primary demoted by a
 * SENTINEL FAILOVER stays up as a replica: a write sent to it (READONLY; XREADGROUP is one)
 * reconnects and is sent again, and Redis drops its blocked readers itself. (ioredis's
 * failoverDetector is left off: its disconnect can cut a reconnect short, ending the client.)
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
