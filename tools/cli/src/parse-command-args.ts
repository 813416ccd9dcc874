import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandArgs {
  positionals: string[];
  options: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

/** Options every command that talks to Redis takes (else REDIS_URL / STREAM_PREFIX). */
export const REDIS_OPTIONS: OptionSpec = {
  'redis-url': { type: 'string' },
  'stream-prefix': { type: 'string' },
};

/**
 * node's parseArgs with the command's options, its errors turned into one short line
 * (`unknown option --x`, not node's advice about `--`); the caller names the command.
 */
export function parseCommandArgs(
  argv: string[],
  options: OptionSpec,
  positionals: { min: number; max: number; names: string },
): CommandArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as { code?: string; message: string };
    const option = /'(--?[^' ]+)/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw usageError(`unknown option ${option ?? ''}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw usageError(`option ${option ?? ''} needs a value`);
    throw usageError(e.message);
  }
  const given = parsed.positionals;
  if (given.length < positionals.min)
    throw usageError(`needs ${positionals.names} (solstice help)`);
  if (given.length > positionals.max)
    throw usageError(`takes ${positionals.names}; unexpected '${given[positionals.max]}'`);
  return { positionals: given, options: { ...parsed.values } };
}

/** The value of a string option (the last one when given twice). */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const v = args.options[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : undefined;
}
