import type { CliContext } from './cli-context.js';

/** One operator command: `solstice <name> …`. */
export interface Command {
  name: string;
  /** The argument synopsis shown in the usage text. */
  usage: string;
  summary: string;
  /** Resolves to the exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}
