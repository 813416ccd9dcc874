import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { defineScript } from './define-script.js';

// The consumer's heartbeat: its expiry in Redis's clock (copies on other hosts may disagree
// on the time; Redis does not). Members expired a day ago are dropped: absent means dead too.
// KEYS: alive ZSET. ARGV: consumer, ttl ms.
const beatScript = defineScript<number>(
  'heartbeat',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400000)
return now
`,
);

/**
 * Keeps a consumer's name alive in `key` on a timer of its own, so a copy busy with a long
 * batch still looks alive; a killed copy (or one whose event loop is stuck) stops beating
 * and its pending entries are taken over once its heartbeat expires.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private okSince: number | undefined;
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly consumer: string,
    private readonly intervalMs: number,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /** One beat now (throws when Redis cannot be reached), then one every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.timer ??= setInterval(() => void this.beat().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  get started(): boolean {
    return this.timer !== undefined;
  }

  /**
   * True once this copy has beaten without a gap for 3 intervals (at most a TTL): only then
   * may it judge others dead. After an outage (of Redis, or of this copy's link to it), the
   * others' beats, one per interval once they are back, may not have reached Redis yet.
   */
  steady(): boolean {
    const window = Math.min(this.ttlMs, 3 * this.intervalMs);
    return this.okSince !== undefined && Date.now() - this.okSince >= window;
  }

  private async beat(): Promise<void> {
    try {
      await beatScript(this.redis, [this.key], [this.consumer, this.ttlMs]);
      this.okSince ??= Date.now();
      if (this.failing) this.log.info({ consumer: this.consumer }, 'heartbeat written again');
      this.failing = false;
    } catch (err) {
      this.okSince = undefined;
      if (!this.failing)
        this.log.warn(
          { consumer: this.consumer, err: errorMessage(err) },
          'heartbeat not written: if it stays so, other copies take over the entries of this one',
        );
      this.failing = true;
      throw err;
    }
  }

  /** Stops beating and removes the name: what is still pending is taken over at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.redis.zrem(this.key, this.consumer).catch(() => undefined);
  }
}
