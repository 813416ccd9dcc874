import type { Logger } from 'pino';
import { ConfigError } from './errors.js';

/**
 * Wires the process: SIGTERM/SIGINT run `shutdown` once (a second signal exits at once);
 * an unhandled rejection or exception is logged and exits non-zero so the supervisor
 * restarts the stage and its pending entries are reclaimed.
 */
export function handleProcessSignals(log: Logger, shutdown: () => Promise<void>): void {
  let closing = false;
  const onSignal = (signal: string) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal }, 'shutting down');
    shutdown().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection; exiting');
    process.exit(1);
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
}

/** Runs a service's main; a ConfigError becomes one line per bad setting and exit 2. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      for (const p of err.problems) process.stderr.write(`${name}: configuration error: ${p}\n`);
      process.exit(2);
    }
    process.stderr.write(
      `${name}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}

/** Runs every cleanup step even if one throws; returns the errors. */
export async function closeAll(
  log: Logger,
  steps: [string, () => Promise<unknown> | unknown][],
): Promise<void> {
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      log.warn({ step: name, err }, 'close step failed');
    }
  }
}
