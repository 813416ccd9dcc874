/**
 * Bad input that will never succeed however often it is retried: the stage runner
 * dead-letters it at once with this message as the reason.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
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
