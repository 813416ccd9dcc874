import type { Redis } from 'ioredis';
import { defineScript } from '../redis/define-script.js';

// Renew this long before GitHub's expiry, so a token is never used in its last minutes.
const EARLY_MS = 5 * 60 * 1000;
// An entry without a readable expiry (never from auth-app) is kept this long.
const UNKNOWN_EXPIRY_MS = 50 * 60 * 1000;

// Deletes the cached entry only while it still holds the refused token (ARGV[1]): a newer
// token another copy stored meanwhile stays.
const forgetRefused = defineScript<number>(
  'forget_refused_token',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

/**
 * The cache interface of @octokit/auth-app, kept in Redis so every copy of a stage shares one
 * installation token instead of minting its own, and in this process's memory so a call reads
 * Redis only when it has no token yet or the one it has is near expiry. auth-app stores
 * `token|createdAt|expiresAt|…`; both entries end EARLY_MS before the token does.
 */
export interface TokenCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /**
   * GitHub refused the token held for `key` (401: revoked, e.g. the App was re-installed):
   * drop it from memory, and from Redis while Redis still holds that same token, so the next
   * call takes a newer one another copy stored or mints one.
   */
  refused(key: string): Promise<void>;
}

/** Until when (epoch ms) an entry may be used: EARLY_MS before the expiry it carries. */
function usableUntil(value: string, now: number): number {
  const expiresAt = Date.parse(value.split('|')[2] ?? '');
  return Number.isNaN(expiresAt) ? now + UNKNOWN_EXPIRY_MS : expiresAt - EARLY_MS;
}

export function redisTokenCache(
  redis: Redis,
  keyFor: (key: string) => string,
  now: () => number = Date.now,
): TokenCache {
  const held = new Map<string, { value: string; until: number }>();
  const hold = (key: string, value: string, until: number) => {
    if (until - now() > 1000) held.set(key, { value, until });
    else held.delete(key);
  };
  return {
    async get(key) {
      const mine = held.get(key);
      if (mine && now() < mine.until) return mine.value;
      held.delete(key);
      const value = await redis.get(keyFor(key));
      if (value === null) return undefined;
      hold(key, value, usableUntil(value, now()));
      return value;
    },
    async set(key, value) {
      const until = usableUntil(value, now());
      hold(key, value, until);
      const ttlMs = until - now();
      if (ttlMs > 1000) await redis.set(keyFor(key), value, 'PX', ttlMs);
    },
    async refused(key) {
      const mine = held.get(key);
      held.delete(key);
      if (mine) await forgetRefused(redis, [keyFor(key)], [mine.value]);
    },
  };
}
