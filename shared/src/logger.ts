import { pino, type Logger, type DestinationStream } from 'pino';
import { redactDeep } from './redact.js';

export type { Logger };

export interface LoggerOptions {
  name: string;
  level?: string;
  destination?: DestinationStream;
}

/**
 * Creates the pino logger every process uses. Credentials are redacted by key name, in any
 * case and at any depth (redactDeep), rather than by a list of paths: a list misses the
 * `Authorization` header of a request nested in an error's cause (issue 13).
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      formatters: {
        log: (object) => redactDeep(object) as Record<string, unknown>,
        bindings: (bindings) => redactDeep(bindings) as Record<string, unknown>,
      },
      // Errors were made plain (and redacted) by formatters.log, which runs first; pino's own
      // err serializer would serialize that plain object again.
      serializers: { err: (value: unknown) => value },
      base: { stage: opts.name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
