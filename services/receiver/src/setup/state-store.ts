import { randomBytes } from 'node:crypto';
import { HttpError, type Redis } from '@solstice/shared';

/**
 * The `state` values the registration page handed out. GitHub sends the state back with the
 * code; a callback whose state was not handed out here, or was used already, is refused
 * (the CSRF check of GitHub's manifest flow). GitHub wants the flow done within one hour.
 */
export interface StateStore {
  /** A new unguessable state, valid one hour. */
  create(): Promise<string>;
  /** Whether `state` was handed out and not used yet. */
  has(state: string): Promise<boolean>;
  /** Uses `state` up: true only for the one caller that found it unused. */
  consume(state: string): Promise<boolean>;
}

const TTL_SECONDS = 3600;
const newState = () => randomBytes(24).toString('base64url');
export const isStateShaped = (s: string): boolean => /^[A-Za-z0-9_-]{32}$/.test(s);

/** States in Redis, so any receiver copy behind a load balancer can take the callback. */
export function redisStateStore(redis: Redis, keyOf: (state: string) => string): StateStore {
  // The receiver's connection fails fast while Redis is away: the page says so (503).
  const unreachable = (err: unknown) => {
    throw new HttpError(503, `Redis is not reachable (${(err as Error).message}); try again`);
  };
  return {
    async create() {
      const state = newState();
      await redis.set(keyOf(state), '1', 'EX', TTL_SECONDS).catch(unreachable);
      return state;
    },
    async has(state) {
      return isStateShaped(state) && (await redis.exists(keyOf(state)).catch(unreachable)) === 1;
    },
    async consume(state) {
      return isStateShaped(state) && (await redis.del(keyOf(state)).catch(unreachable)) === 1;
    },
  };
}

/** States in this process (the CLI's one-off listener). */
export function memoryStateStore(now: () => number = Date.now): StateStore {
  const expiry = new Map<string, number>();
  const valid = (state: string) => (expiry.get(state) ?? 0) > now();
  return {
    create() {
      const state = newState();
      expiry.set(state, now() + TTL_SECONDS * 1000);
      return Promise.resolve(state);
    },
    has: (state) => Promise.resolve(valid(state)),
    consume(state) {
      const ok = valid(state);
      expiry.delete(state);
      return Promise.resolve(ok);
    },
  };
}
