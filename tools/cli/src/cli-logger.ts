import { createLogger, type Logger } from '@solstice/shared';
import type { CliContext } from './cli-context.js';

/** A pino JSON line as one readable line: its message and error. */
export function messageOf(line: string): string {
  try {
    const o = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return o.err?.message ? `${o.msg}: ${o.err.message}` : String(o.msg);
  } catch {
    return line.trimEnd();
  }
}

/** The logger a command hands to library code: its warnings and errors, one line each on stderr. */
export function cliLogger(ctx: CliContext): Logger {
  return createLogger({
    name: 'solstice-cli',
    level: 'warn',
    destination: { write: (line: string) => ctx.err(`warning: ${messageOf(line)}`) },
  });
}
