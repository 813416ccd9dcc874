import type { Redis } from '@solstice/shared';

/** What a command may touch: its output lines, the environment, and how to reach Redis. */
export interface CliContext {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Connects, or throws a CliError that says Redis is unreachable and how to start it. */
  connectRedis: (url: string) => Promise<Redis>;
  /** Ends a command that waits (app create) early; the bin leaves that to Ctrl-C. */
  signal?: AbortSignal;
}
