import { closeRedis, createRedis, type Redis } from '@solstice/shared';
import { deleteKeys } from '@solstice/github-standin/harness';
import { redisUrl, uniqueName } from './servers.js';

/**
 * Deletes every key under each prefix (`<prefix>:*`): a test's own streams, dedupe keys and
 * caches. Only those: other runs share the server. Opens its own connection unless given one.
 */
export async function removeKeys(prefixes: string | string[], redis?: Redis): Promise<void> {
  const conn = redis ?? createRedis(redisUrl(), { role: 'worker' });
  try {
    for (const prefix of [prefixes].flat()) await deleteKeys(conn, `${prefix}:*`);
  } finally {
    if (!redis) await closeRedis(conn);
  }
}

/** Unique stream prefixes for one test file: `next()` hands one out, `removeAll()` (afterEach) deletes their keys. */
export function prefixPool(label: string): {
  next(this: void): string;
  removeAll(): Promise<void>;
} {
  const given: string[] = [];
  return {
    next() {
      const prefix = uniqueName(label);
      given.push(prefix);
      return prefix;
    },
    removeAll: () => removeKeys(given.splice(0)),
  };
}
