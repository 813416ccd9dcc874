import { randomUUID } from 'node:crypto';
import { defineScript, type Redis } from '@solstice/shared';

// Delete the key only while it still holds our token: a lease that expired and was taken
// by another copy is never released by the copy that lost it.
const deleteIfOursScript = defineScript<number>(
  'deleteIfOurs',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

// Extend the key only while it still holds our token (same guarantee as above).
const extendIfOursScript = defineScript<number>(
  'extendIfOurs',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
);

/** Deletes `key` if its value is `token`; true when it did. */
export async function deleteIfOurs(redis: Redis, key: string, token: string): Promise<boolean> {
  return (await deleteIfOursScript(redis, [key], [token])) === 1;
}

/**
 * A Redis lease with expiry: at most one holder at a time among the copies of the receiver,
 * and a holder that dies frees it when it expires.
 */
export class Lease {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly token: string = randomUUID(),
  ) {}

  /** Takes the lease for `ttlMs` if nobody else holds it (renews it if we already do). */
  async acquire(ttlMs: number): Promise<boolean> {
    if ((await this.redis.set(this.key, this.token, 'PX', ttlMs, 'NX')) === 'OK') return true;
    return this.extend(ttlMs);
  }

  /** Sets the lease to expire `ttlMs` from now; false when it is no longer ours. */
  async extend(ttlMs: number): Promise<boolean> {
    return (await extendIfOursScript(this.redis, [this.key], [this.token, ttlMs])) === 1;
  }

  /** Frees the lease if it is still ours. */
  release(): Promise<boolean> {
    return deleteIfOurs(this.redis, this.key, this.token);
  }
}
