import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

// Paths that may carry credentials anywhere in a log object; pino replaces them.
const REDACT = [
  'secret',
  'token',
  'privateKey',
  'private_key',
  'password',
  'authorization',
  'webhookSecrets',
  'appKey',
  '*.secret',
  '*.token',
  '*.privateKey',
  '*.password',
  '*.authorization',
  '*.webhookSecrets',
  '*.appKey',
  'headers.authorization',
  'headers["x-hub-signature-256"]',
  'err.request.headers.authorization',
  'err.response.headers.authorization',
];

export interface LoggerOptions {
  name: string;
  level?: string;
  destination?: DestinationStream;
}

/** Creates the pino logger every process uses; secrets are redacted by path. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { stage: opts.name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
