import type { DeadBounds } from '../redis/dead-bounds.js';
import { RUNNER_DEFAULTS as D } from '../redis/stage-runner.js';
import type { TrimPolicy } from '../redis/trim.js';
import { amqpUrlsOf } from '../amqp/amqp-nodes.js';
import { parseRedisTarget, REDIS_PROTOCOLS } from '../redis/redis-target.js';
import { notAFlag, redactUrl, type ConfigReader } from './reader.js';

/** Settings every stream stage shares. */
export interface StageSettings {
  redisUrl: string;
  streamPrefix: string;
  consumerName: string | undefined;
  batchSize: number;
  blockMs: number;
  claimMinIdleMs: number;
  claimIntervalMs: number;
  retryMinIdleMs: number;
  heartbeatIntervalMs: number;
  heartbeatTtlMs: number;
  maxDeliveries: number;
  dead: DeadBounds;
  metricsAddr: string | undefined;
  logLevel: string;
  trim: TrimPolicy;
}

/** REDIS_URL when it is not set: Redis on this machine. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** AMQP_URL when it is not set: RabbitMQ on this machine, default vhost. */
export const DEFAULT_AMQP_URL = 'amqp://127.0.0.1:5672/%2f';

export function readRedisSettings(r: ConfigReader): { redisUrl: string; streamPrefix: string } {
  const streamPrefix = r.string('STREAM_PREFIX', 'solstice');
  if (!/^[A-Za-z0-9_.:{}-]+$/.test(streamPrefix)) {
    r.fail('STREAM_PREFIX', 'letters, digits and _ . : { } -', streamPrefix);
  }
  return { redisUrl: readRedisUrl(r), streamPrefix };
}

/**
 * REDIS_URL: one server (redis://, rediss://) or sentinels and a master name (redis+sentinel://);
 * or REDIS_URL_FILE, a file holding it (a URL with a password, as compose's secrets write it).
 */
function readRedisUrl(r: ConfigReader): string {
  r.fromFile('REDIS_URL');
  const value = r.raw('REDIS_URL');
  if (value === undefined) return DEFAULT_REDIS_URL;
  if (!/^rediss?\+sentinel:/i.test(value))
    return r.url('REDIS_URL', DEFAULT_REDIS_URL, REDIS_PROTOCOLS);
  let target;
  try {
    target = parseRedisTarget(value);
  } catch (err) {
    return (
      r.problem(`REDIS_URL: ${(err as Error).message}, got '${redactUrl(value)}'`) ??
      DEFAULT_REDIS_URL
    );
  }
  if (
    target.kind === 'sentinel' &&
    (target.password ?? target.sentinelPassword) &&
    r.fromFlag('REDIS_URL')
  )
    return (
      r.problem(notAFlag('REDIS_URL', 'set REDIS_URL in the environment')) ?? DEFAULT_REDIS_URL
    );
  return value;
}

export function readStageSettings(r: ConfigReader, defaultMetricsAddr?: string): StageSettings {
  const s: StageSettings = {
    ...readRedisSettings(r),
    consumerName: r.string('CONSUMER_NAME'),
    batchSize: r.int('STAGE_BATCH_SIZE', 100, { min: 1, max: 10_000 }),
    blockMs: r.int('STAGE_BLOCK_MS', 1000, { min: 10, max: 60_000 }),
    // A dead copy is seen by its heartbeat; this only frees a live copy that hangs.
    claimMinIdleMs: r.int('CLAIM_MIN_IDLE_MS', 600_000, { min: 10 }),
    claimIntervalMs: r.int('CLAIM_INTERVAL_MS', 1000, { min: 10 }),
    retryMinIdleMs: r.int('RETRY_MIN_IDLE_MS', D.retryMinIdleMs, { min: 10 }),
    heartbeatIntervalMs: r.int('HEARTBEAT_INTERVAL_MS', D.heartbeatIntervalMs, {
      min: 10,
      max: 600_000,
    }),
    heartbeatTtlMs: r.int('HEARTBEAT_TTL_MS', D.heartbeatTtlMs, { min: 30 }),
    maxDeliveries: r.int('MAX_DELIVERIES', 5, { min: 1, max: 1000 }),
    dead: {
      maxLen: r.int('DEAD_MAX_LEN', D.dead.maxLen, { min: 1 }),
      maxAgeMs: r.int('DEAD_MAX_AGE_MS', D.dead.maxAgeMs, { min: 1000 }),
    },
    metricsAddr: readAddr(r, 'METRICS_ADDR', defaultMetricsAddr),
    logLevel: readLogLevel(r),
    trim: {
      maxLen: r.int('STREAM_MAXLEN', 1_000_000),
      // GitHub keeps deliveries 3 days; keeping events as long lets an operator replay them.
      maxAgeMs: r.int('STREAM_MAX_AGE_MS', 3 * 24 * 3600 * 1000),
      intervalMs: r.int('TRIM_INTERVAL_MS', 60_000, { min: 100 }),
    },
  };
  const problem = stageTimingProblem(s);
  if (problem) r.problem(problem);
  return s;
}

/**
 * Timings valid alone but that together would take entries from healthy copies (their
 * delivery counts climb until MAX_DELIVERIES dead-letters them): the line to refuse the
 * start with, or undefined.
 */
export function stageTimingProblem(
  s: Pick<StageSettings, 'heartbeatIntervalMs' | 'heartbeatTtlMs' | 'claimMinIdleMs'>,
): string | undefined {
  if (s.heartbeatTtlMs < 3 * s.heartbeatIntervalMs)
    return `HEARTBEAT_TTL_MS (${s.heartbeatTtlMs}) must be at least 3 × HEARTBEAT_INTERVAL_MS (${s.heartbeatIntervalMs}): a copy missing one beat would look dead and lose its entries`;
  if (s.claimMinIdleMs <= 2 * s.heartbeatTtlMs)
    return `CLAIM_MIN_IDLE_MS (${s.claimMinIdleMs}) must exceed 2 × HEARTBEAT_TTL_MS (${s.heartbeatTtlMs}): it takes entries from live copies, so it must be above any batch (a dead copy is seen by its heartbeat)`;
  return undefined;
}

export function readLogLevel(r: ConfigReader): string {
  const level = r.string('LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
    r.fail('LOG_LEVEL', 'one of fatal, error, warn, info, debug, trace, silent', level);
    return 'info';
  }
  return level;
}

/** host:port, as in HTTP_ADDR=0.0.0.0:8082; `:0` asks for any free port. */
export function readAddr(r: ConfigReader, name: string, fallback: string): string;
export function readAddr(r: ConfigReader, name: string, fallback?: string): string | undefined;
export function readAddr(r: ConfigReader, name: string, fallback?: string): string | undefined {
  const value = r.raw(name) ?? fallback;
  if (value === undefined) return undefined;
  if (parseAddr(value) === undefined)
    return r.fail(name, 'host:port, e.g. 0.0.0.0:8082', value) ?? fallback;
  return value;
}

export function parseAddr(value: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** AMQP_URL, AMQP_EXCHANGE and AMQP_QUEUE_TYPE, shared by the publisher and the reporter. */
export function readAmqpSettings(r: ConfigReader): {
  amqpUrl: string;
  exchange: string;
  queueType: 'classic' | 'quorum';
} {
  const queueType = r.string('AMQP_QUEUE_TYPE', 'classic');
  if (queueType !== 'classic' && queueType !== 'quorum')
    r.fail('AMQP_QUEUE_TYPE', 'classic or quorum', queueType);
  return {
    amqpUrl: readAmqpUrl(r),
    exchange: r.string('AMQP_EXCHANGE', 'solstice.jobs'),
    queueType: queueType === 'quorum' ? 'quorum' : 'classic',
  };
}

/**
 * AMQP_URL: one amqp:// URL, or the nodes of a cluster as several separated by commas; or
 * AMQP_URL_FILE, a file holding it.
 */
export function readAmqpUrl(r: ConfigReader): string {
  r.fromFile('AMQP_URL');
  const value = r.raw('AMQP_URL');
  if (value === undefined || !value.includes(','))
    return r.url('AMQP_URL', DEFAULT_AMQP_URL, ['amqp:', 'amqps:']);
  for (const url of amqpUrlsOf(value)) {
    let ok = false;
    try {
      ok = ['amqp:', 'amqps:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok)
      return (
        r.fail('AMQP_URL', 'amqp:// or amqps:// URLs separated by commas', redactUrl(url)) ??
        DEFAULT_AMQP_URL
      );
    if (new URL(url).password !== '' && r.fromFlag('AMQP_URL'))
      return r.problem(notAFlag('AMQP_URL', 'set AMQP_URL in the environment')) ?? DEFAULT_AMQP_URL;
  }
  return value;
}
