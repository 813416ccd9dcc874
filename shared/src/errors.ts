/**
 * Bad input that will never succeed however often it is retried: the stage runner
 * dead-letters it at once with this message as the reason.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * Not now, and not the entry's fault: a rate limit until `untilMs` (epoch ms). The stage runner
 * leaves the entry pending without waiting (the rest of the batch goes on), handles it again
 * once that time has passed (and RETRY_MIN_IDLE_MS at least), and does not count the attempt
 * as a delivery towards MAX_DELIVERIES.
 */
export class RetryLater extends Error {
  override name = 'RetryLater';
  constructor(
    readonly untilMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** An error that carries the HTTP status it should be answered with at the HTTP edge. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A bad setting found at start; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentError;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
