import { ConfigError } from './errors.js';

/**
 * Runs a service's main; a ConfigError becomes one line per bad setting and exit 2. A
 * SIGTERM/SIGINT that comes while nothing else listens for it (the stage still connecting,
 * before handleProcessSignals) exits 1 at once: as PID 1 in a container Node would otherwise
 * ignore it and wait for the SIGKILL.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  const whileStarting = (signal: NodeJS.Signals) => {
    // handleProcessSignals, or the setup state's wait for credentials, stops the process.
    if (process.listenerCount(signal) > 1) return;
    process.stderr.write(`${name}: ${signal} before it had started: exiting\n`);
    process.exit(1);
  };
  process.on('SIGTERM', whileStarting);
  process.on('SIGINT', whileStarting);
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
