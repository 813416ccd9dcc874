import { defineScript, type Keys, type Redis } from '@solstice/shared';
import type { Marker } from './choose-redeliveries.js';
import type { SweepCursor } from './sweep-window.js';

/** What the sweep keeps in and asks of Redis. */
export interface SweepState {
  readCursor(): Promise<SweepCursor | undefined>;
  writeCursor(cursor: SweepCursor): Promise<void>;
  /** The App's webhook id, learnt once from a delivery's headers. */
  readHookId(): Promise<string | undefined>;
  writeHookId(hookId: string): Promise<void>;
  /** The GUIDs whose delivery key (hook id, GUID) exists: the receiver stored them. */
  storedGuids(hookId: string, guids: string[]): Promise<Set<string>>;
  /** The markers of the GUIDs sweeps have redelivered in this window. */
  markers(guids: string[]): Promise<Map<string, Marker>>;
  /**
   * Counts one more redelivery of `guid`, atomically, unless it had `maxAttempts` already or
   * its back-off has not passed at `now` (another sweep was first): false then. The marker
   * expires `ttlSeconds` after the first one (the window).
   */
  claimRedelivery(guid: string, c: Claim): Promise<boolean>;
  /** Takes back our own claim, after a redelivery call that failed. */
  releaseRedelivery(guid: string, token: string): Promise<void>;
}

export interface Claim {
  token: string;
  ttlSeconds: number;
  now: number;
  /** The back-off after this attempt: when the next may be made (epoch ms). */
  nextAt: number;
  maxAttempts: number;
  /** By hand (--again): count it whatever the marker says. */
  force?: boolean;
}

// One marker per GUID, a hash {token, attempts, next_at}; a marker from before attempts were
// counted (a string) counts as one attempt. Atomic, so two sweeps never both claim a turn.
const claimScript = defineScript<number>(
  'claimRedelivery',
  `
local kind = redis.call('TYPE', KEYS[1]).ok
local attempts, next_at = 0, 0
if kind == 'hash' then
  attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
  next_at = tonumber(redis.call('HGET', KEYS[1], 'next_at') or '0')
elseif kind ~= 'none' then
  attempts = 1
end
if ARGV[6] ~= '1' and (attempts >= tonumber(ARGV[5]) or next_at > tonumber(ARGV[3])) then return 0 end
if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'attempts', attempts + 1, 'next_at', ARGV[4])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return attempts + 1
`,
);

// Our claim taken back: one attempt fewer (none left: no marker), the next one at once.
const releaseScript = defineScript<number>(
  'releaseRedelivery',
  `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' or redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '1')
if attempts <= 1 then return redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'attempts', attempts - 1, 'next_at', 0)
return 1
`,
);

/**
 * The sweep's state in Redis: the cursor and the App's hook id in one hash
 * (keys.sweepCursor: fields id, at, hook_id), the receiver's delivery keys, and one
 * marker per redelivered GUID (keys.sweepRedelivered: attempts and back-off) that expires
 * with the window.
 */
export function redisSweepState(redis: Redis, keys: Keys): SweepState {
  const existing = async (names: string[], guids: string[]) => {
    if (guids.length === 0) return new Set<string>();
    const pipeline = redis.pipeline();
    for (const name of names) pipeline.exists(name);
    const replies = (await pipeline.exec()) ?? [];
    const found = new Set<string>();
    replies.forEach(([err, n], i) => {
      if (err) throw err;
      if (n === 1) found.add(guids[i]!);
    });
    return found;
  };
  return {
    async readCursor() {
      const [id, at] = await redis.hmget(keys.sweepCursor, 'id', 'at');
      if (!id || !at || !/^\d+$/.test(id)) return undefined;
      return { id: Number(id), at };
    },
    async writeCursor(cursor) {
      await redis.hset(keys.sweepCursor, 'id', String(cursor.id), 'at', cursor.at);
    },
    async readHookId() {
      return (await redis.hget(keys.sweepCursor, 'hook_id')) ?? undefined;
    },
    async writeHookId(hookId) {
      await redis.hset(keys.sweepCursor, 'hook_id', hookId);
    },
    storedGuids: (hookId, guids) =>
      existing(
        guids.map((g) => keys.delivery(hookId, g)),
        guids,
      ),
    async markers(guids) {
      const found = new Map<string, Marker>();
      if (guids.length === 0) return found;
      const pipeline = redis.pipeline();
      for (const g of guids) pipeline.hmget(keys.sweepRedelivered(g), 'attempts', 'next_at');
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([err, reply], i) => {
        // WRONGTYPE: a marker from before attempts were counted, one attempt.
        if (err) return void found.set(guids[i]!, { attempts: 1, nextAt: 0 });
        const [attempts, nextAt] = reply as (string | null)[];
        if (attempts !== null && attempts !== undefined)
          found.set(guids[i]!, { attempts: Number(attempts), nextAt: Number(nextAt ?? 0) });
      });
      return found;
    },
    async claimRedelivery(guid, c) {
      const args = [c.token, c.ttlSeconds, c.now, c.nextAt, c.maxAttempts, c.force ? '1' : '0'];
      return (await claimScript(redis, [keys.sweepRedelivered(guid)], args)) > 0;
    },
    async releaseRedelivery(guid, token) {
      await releaseScript(redis, [keys.sweepRedelivered(guid)], [token]);
    },
  };
}
