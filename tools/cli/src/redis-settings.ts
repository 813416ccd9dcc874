import {
  closeRedis,
  ConfigError,
  ConfigReader,
  keysFor,
  readRedisSettings,
  type Keys,
  type Redis,
} from '@solstice/shared';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { stringOption, type CommandArgs } from './parse-command-args.js';

export interface RedisTarget {
  redisUrl: string;
  streamPrefix: string;
  keys: Keys;
}

/** REDIS_URL and STREAM_PREFIX as the stages read them, --redis-url / --stream-prefix first. */
export function redisTargetOf(args: CommandArgs, env: CliContext['env']): RedisTarget {
  const argv: string[] = [];
  for (const name of ['redis-url', 'stream-prefix']) {
    const value = stringOption(args, name);
    if (value !== undefined) argv.push(`--${name}`, value);
  }
  const r = new ConfigReader({ env, argv });
  const settings = readRedisSettings(r);
  doneReading(r);
  return { ...settings, keys: keysFor(settings.streamPrefix) };
}

/** The reader's bad settings, if any, as one usage error line. */
export function doneReading(r: ConfigReader): void {
  try {
    r.done();
  } catch (err) {
    if (err instanceof ConfigError) throw usageError(err.problems.join('; '));
    throw err;
  }
}

/** Runs `fn` with a connection that is closed afterwards, whatever happens. */
export async function withRedis<T>(
  ctx: CliContext,
  target: RedisTarget,
  fn: (redis: Redis) => Promise<T>,
): Promise<T> {
  const redis = await ctx.connectRedis(target.redisUrl);
  try {
    return await fn(redis);
  } finally {
    await closeRedis(redis);
  }
}

const SHORT = ['events', 'jobs', 'checks'] as const;

/**
 * `events`, `jobs`, `checks` (of the prefix) or a full stream name; a `:dead` suffix names
 * the same stream. Returns the stream whose dead entries are meant.
 */
export function resolveStream(name: string, target: RedisTarget): string {
  const bare = name.endsWith(':dead') ? name.slice(0, -':dead'.length) : name;
  if ((SHORT as readonly string[]).includes(bare))
    return target.keys[bare as (typeof SHORT)[number]];
  if (bare.includes(':')) return bare;
  throw usageError(
    `unknown stream '${name}': use events, jobs, checks or a full name such as ${target.keys.events}`,
  );
}
