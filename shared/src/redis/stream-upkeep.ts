import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { defineScript } from './define-script.js';
import { compareStreamIds, fieldsToObject, nextStreamId } from './stream-ids.js';
import { trimStream, type TrimPolicy } from './trim.js';

// Removes a consumer from its group only if, at this instant, it has nothing pending, has
// been idle past the grace and has no live heartbeat. A starting copy writes its heartbeat
// before its first read, so it is never removed under its feet.
// KEYS: stream, alive ZSET. ARGV: group, consumer, grace ms. Returns 1 if removed.
const removeConsumerScript = defineScript<number>(
  'removeConsumer',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = redis.call('ZSCORE', KEYS[2], ARGV[2])
if expiry and tonumber(expiry) > now then return 0 end
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['name'] == ARGV[2] then
    if tonumber(f['pending']) > 0 or tonumber(f['idle']) < tonumber(ARGV[3]) then return 0 end
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
    redis.call('ZREM', KEYS[2], ARGV[2])
    return 1
  end
end
return 0
`,
);

/** Removes the group's consumers that are gone (see the script); returns their names. */
export async function removeGoneConsumers(
  redis: Redis,
  stream: string,
  aliveKey: string,
  group: string,
  self: string,
  graceMs: number,
): Promise<string[]> {
  const list = (await redis.xinfo('CONSUMERS', stream, group)) as unknown[][];
  const removed: string[] = [];
  for (const flat of list.slice(0, 1000)) {
    const c = fieldsToObject(flat.map(String));
    if (c.name === self || Number(c.pending) > 0 || Number(c.idle) < graceMs) continue;
    const done = await removeConsumerScript(redis, [stream, aliveKey], [group, c.name!, graceMs]);
    if (done === 1) removed.push(c.name!);
  }
  return removed;
}

/**
 * Drops the last errors of entries this group no longer has pending (deleted from the
 * stream, say): only ids below its oldest pending entry and below its next new one, which
 * can no longer fail here. At most `count` fields looked at per call.
 */
export async function pruneErrors(
  redis: Redis,
  stream: string,
  group: string,
  errorsKey: string,
  count = 1000,
): Promise<number> {
  if ((await redis.hlen(errorsKey)) === 0) return 0;
  const summary = (await redis.xpending(stream, group)) as [number, string | null];
  let bound = summary[1] ?? undefined;
  if (bound === undefined) {
    const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
    const g = groups.map((f) => fieldsToObject(f.map(String))).find((f) => f.name === group);
    if (!g) return 0;
    bound = nextStreamId(g['last-delivered-id'] ?? '0-0');
  }
  const [, fields] = await redis.hscan(errorsKey, '0', 'COUNT', count);
  const stale: string[] = [];
  for (let i = 0; i < fields.length; i += 2)
    if (/^\d+-\d+$/.test(fields[i]!) && compareStreamIds(fields[i]!, bound) < 0)
      stale.push(fields[i]!);
  if (stale.length === 0) return 0;
  return redis.hdel(errorsKey, ...stale);
}

/** Drops dead entries older than `maxAgeMs`; returns how many. */
export async function trimDeadByAge(
  redis: Redis,
  deadStream: string,
  maxAgeMs: number,
): Promise<number> {
  return redis.xtrim(deadStream, 'MINID', `${Date.now() - maxAgeMs}-0`);
}

export interface UpkeepContext {
  redis: Redis;
  stream: string;
  group: string;
  consumer: string;
  log: Logger;
  metrics?: Metrics;
  trim?: TrimPolicy;
  deadStream: string;
  errorsKey: string;
  aliveKey: string;
  deadMaxAgeMs: number;
  consumerGraceMs: number;
}

/**
 * A stage's periodic upkeep: trim its input, its dead stream by age, the last errors of
 * entries no longer pending; remove gone consumers; warn while anything is dead. A failure is
 * logged, never thrown: the next interval tries again.
 */
export async function streamUpkeep(o: UpkeepContext): Promise<void> {
  const { redis, stream, group, consumer, log, metrics } = o;
  const policy = o.trim;
  try {
    if (policy) {
      const removed = await trimStream(redis, stream, policy);
      if (removed > 0) log.debug({ stream, removed }, 'stream trimmed');
    }
    const dropped = await trimDeadByAge(redis, o.deadStream, o.deadMaxAgeMs);
    if (dropped > 0) {
      metrics?.deadDropped.inc({ stream }, dropped);
      log.warn(
        { stream: o.deadStream, dropped },
        'dead entries older than DEAD_MAX_AGE_MS dropped',
      );
    }
    const dead = await redis.xlen(o.deadStream);
    metrics?.deadEntries.set({ stream }, dead);
    if (dead > 0)
      log.warn(
        { stream, deadStream: o.deadStream, dead },
        'entries are dead: see `solstice dead list`, then `solstice dead retry` or remove them',
      );
    await pruneErrors(redis, stream, group, o.errorsKey);
    const gone = await removeGoneConsumers(
      redis,
      stream,
      o.aliveKey,
      group,
      consumer,
      o.consumerGraceMs,
    );
    if (gone.length > 0) {
      metrics?.consumersRemoved.inc({ stream }, gone.length);
      log.info(
        { stream, group, consumers: gone },
        'removed consumers with no heartbeat and nothing pending',
      );
    }
  } catch (err) {
    log.warn({ stream, err: errorMessage(err) }, 'stream upkeep failed');
  }
}
