import type { Keys, Redis } from '@solstice/shared';
import { deleteIfOurs } from './lease.js';
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
  /** The GUIDs a sweep has already redelivered in this window. */
  redeliveredGuids(guids: string[]): Promise<Set<string>>;
  /** Marks a GUID redelivered (SET NX EX); false when someone marked it first. */
  markRedelivered(guid: string, token: string, ttlSeconds: number): Promise<boolean>;
  /** Takes back our own mark, after a redelivery call that failed. */
  unmarkRedelivered(guid: string, token: string): Promise<void>;
}

/**
 * The sweep's state in Redis: the cursor and the App's hook id in one hash
 * (keys.sweepCursor: fields id, at, hook_id), the receiver's delivery keys, and one
 * marker per redelivered GUID (keys.sweepRedelivered) that expires with the window.
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
    redeliveredGuids: (guids) =>
      existing(
        guids.map((g) => keys.sweepRedelivered(g)),
        guids,
      ),
    async markRedelivered(guid, token, ttlSeconds) {
      const ok = await redis.set(keys.sweepRedelivered(guid), token, 'EX', ttlSeconds, 'NX');
      return ok === 'OK';
    },
    async unmarkRedelivered(guid, token) {
      await deleteIfOurs(redis, keys.sweepRedelivered(guid), token);
    },
  };
}
