import type { Redis } from 'ioredis';

/** Runs a script on one connection with its keys and arguments; `R` is its reply. */
export type RedisScript<R> = (
  redis: Redis,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<R>;

const defined = new Map<string, string>();

/**
 * A Lua script, run with EVALSHA through ioredis's defineCommand (which loads it again by
 * itself after NOSCRIPT: a restarted Redis). Every multi-key change in Redis is one of
 * these, kept beside its caller with a comment naming the guarantee it gives.
 */
export function defineScript<R = unknown>(name: string, lua: string): RedisScript<R> {
  if (defined.has(name) && defined.get(name) !== lua)
    throw new Error(`two different Lua scripts are named ${name}`);
  defined.set(name, lua);
  // Prefixed: the command becomes a method of the client, beside ioredis's own.
  const command = `solstice_${name}`;
  return async (redis, keys, args) => {
    const client = redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    if (typeof client[command] !== 'function') redis.defineCommand(command, { lua });
    return (await client[command]!.call(redis, keys.length, ...keys, ...args)) as R;
  };
}
