/** A failure the CLI reports as one line; `exitCode` 2 is a usage error, 1 anything else. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** A command line the CLI cannot understand (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
