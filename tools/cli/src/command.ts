import type { CliContext } from './cli-context.js';
import {
  parseCommandArgs,
  REDIS_OPTIONS,
  type CommandArgs,
  type OptionSpec,
} from './parse-command-args.js';
import { redisTargetOf, type RedisTarget } from './redis-settings.js';

/** One operator command: `solstice <name> …`. */
export interface Command {
  name: string;
  /** The argument synopsis shown in the usage text. */
  usage: string;
  summary: string;
  /** Resolves to the exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

export interface CommandSpec<Target> {
  name: string;
  usage: string;
  summary: string;
  options: OptionSpec;
  /** How many positional arguments it takes, and what they are (for the error line). */
  positionals: { min: number; max: number; names: string };
  run(this: void, args: CommandArgs, ctx: CliContext, target: Target): Promise<number>;
}

/** A command whose argument parsing (one short line on a usage error) is done for it. */
export function defineCommand(spec: CommandSpec<undefined>): Command {
  const { options, positionals, run, ...about } = spec;
  return {
    ...about,
    run: (argv, ctx) => run(parseCommandArgs(argv, options, positionals), ctx, undefined),
  };
}

/**
 * A command that works on the pipeline's Redis: it also takes --redis-url / --stream-prefix
 * (else REDIS_URL / STREAM_PREFIX, as the stages read them) and gets the target resolved.
 */
export function defineRedisCommand(spec: CommandSpec<RedisTarget>): Command {
  const { options, positionals, run, ...about } = spec;
  return {
    ...about,
    run(argv, ctx) {
      const args = parseCommandArgs(argv, { ...REDIS_OPTIONS, ...options }, positionals);
      return run(args, ctx, redisTargetOf(args, ctx.env));
    },
  };
}
