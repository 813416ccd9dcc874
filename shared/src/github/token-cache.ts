import type { Redis } from 'ioredis';

// Renew this long before GitHub's expiry, so a token is never used in its last minutes.
const EARLY_MS = 5 * 60 * 1000;

/**
 * The cache interface of @octokit/auth-app, kept in Redis so every copy of a stage
 * shares one installation token instead of minting its own. auth-app stores
 * `token|createdAt|expiresAt|…`; the entry expires before the token does.
 */
export function redisTokenCache(redis: Redis, keyFor: (key: string) => string) {
  return {
    async get(key: string): Promise<string | undefined> {
      return (await redis.get(keyFor(key))) ?? undefined;
    },
    async set(key: string, value: string): Promise<void> {
      const expiresAt = Date.parse(value.split('|')[2] ?? '');
      const ttlMs = Number.isNaN(expiresAt) ? 50 * 60 * 1000 : expiresAt - Date.now() - EARLY_MS;
      if (ttlMs > 1000) await redis.set(keyFor(key), value, 'PX', ttlMs);
    },
  };
}
