import { ConfigError } from './errors.js';

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
