import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { startOpsServer, type OpsServerOptions } from './ops-server.js';

type Step = () => unknown; // awaited: it may return a promise

/**
 * What a process opened, and how to close it: close() runs the steps in the reverse order
 * they were deferred (the last opened closes first: stop reading, let in-flight work finish,
 * close the channel, the connection, Redis, the server), each once and in its own try so a
 * step that throws never keeps the others open. Idempotent.
 */
export class Lifecycle {
  private readonly steps: [string, Step][] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Registers how to close what was just opened. */
  defer(name: string, step: Step): void {
    this.steps.push([name, step]);
  }

  /** GET /metrics, /healthz, /readyz when `addr` (METRICS_ADDR) is set; closed with the rest. */
  async startOps(
    addr: string | undefined,
    o: Omit<OpsServerOptions, 'addr' | 'log'>,
  ): Promise<Server | undefined> {
    if (addr === undefined) return undefined;
    const server = await startOpsServer({ ...o, addr, log: this.log });
    this.defer('ops server', () => new Promise((resolve) => server.close(resolve)));
    return server;
  }

  readonly close = (): Promise<void> =>
    (this.closing ??= closeAll(this.log, [...this.steps].reverse()));

  /** Runs `start`; when it throws, closes what it had opened and rethrows. */
  async starting<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (err) {
      await this.close();
      throw err;
    }
  }
}

/** Runs every step in order, even after one throws (that one is logged). */
export async function closeAll(log: Logger, steps: [string, Step][]): Promise<void> {
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      log.warn({ step: name, err }, 'close step failed');
    }
  }
}

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
