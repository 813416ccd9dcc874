import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { startOpsServer, type OpsServerOptions } from './ops-server.js';
import {
  exitCodeOf,
  SHUTDOWN_LIMITS,
  shutdownReport,
  stepLimitMs,
  type ShutdownLimits,
  type ShutdownReport,
  type StepKind,
  type StepOutcome,
} from './shutdown.js';

type Step = () => unknown; // awaited: it may return a promise

export interface StepOptions {
  /**
   * `drain`: waits for the work in hand (the batch and its commit, the requests being
   * answered); the drain steps share SHUTDOWN_LIMITS.drainMs from the signal. `close`
   * (default): closes one thing within SHUTDOWN_LIMITS.stepMs.
   */
  kind?: StepKind;
  /** The stream entry ids the step still holds once it ran (or was given up on). */
  pending?: () => string[];
}

/** A close step: its name in the logs, what it runs, how long it may take. */
export interface CloseStep extends Required<Pick<StepOptions, 'kind'>> {
  name: string;
  step: Step;
  pending?: () => string[];
}

/** What a stream stage's runner offers its lifecycle (StageRunner). */
export interface Drainable {
  stop(): Promise<unknown>;
  pendingIds(): string[];
}

/**
 * What a process opened, and how to close it: close() runs the steps in the reverse order
 * they were deferred (the last opened closes first: stop reading, let in-flight work finish,
 * close the channel, the connection, Redis, the server), each once, in its own try and
 * within its own time (SHUTDOWN_LIMITS), so a step that throws or hangs (Redis unreachable)
 * never keeps the others open. Idempotent; resolves with what could not be closed.
 */
export class Lifecycle {
  private readonly steps: CloseStep[] = [];
  private closing: Promise<ShutdownReport> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly limits: ShutdownLimits = SHUTDOWN_LIMITS,
  ) {}

  /** Registers how to close what was just opened. */
  readonly defer = (name: string, step: Step, o: StepOptions = {}): void => {
    this.steps.push({ name, step, kind: o.kind ?? 'close', pending: o.pending });
  };

  /** The stream runner: stops reading, drains the batch in hand; what it still holds is logged. */
  deferStage(stage: Drainable): void {
    this.defer('stream runner', () => stage.stop(), {
      kind: 'drain',
      pending: () => stage.pendingIds(),
    });
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

  readonly close = (): Promise<ShutdownReport> =>
    (this.closing ??= closeAll(this.log, [...this.steps].reverse(), Date.now(), this.limits));

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

/**
 * Runs every step in order, each within its limit (a step with no time left is skipped),
 * even after one throws or hangs; then logs one line: closed cleanly, or what was not closed
 * and which entries were left pending (they stay pending in Redis: another copy takes them
 * over once this one's heartbeat expires).
 */
export async function closeAll(
  log: Logger,
  steps: CloseStep[],
  startedAt = Date.now(),
  limits: ShutdownLimits = SHUTDOWN_LIMITS,
): Promise<ShutdownReport> {
  const outcomes: StepOutcome[] = [];
  for (const s of steps) {
    const ms = stepLimitMs(s.kind, startedAt, Date.now(), limits);
    const result = ms === 0 ? 'skipped' : await runWithin(log, s, ms);
    outcomes.push({ step: s.name, result, pending: s.pending?.() });
  }
  const report = shutdownReport(outcomes);
  if (report.clean) log.info({ ms: Date.now() - startedAt }, 'closed cleanly');
  else
    log.error(
      { ms: Date.now() - startedAt, notClosed: report.notClosed, pending: report.pending },
      'closed with something left: the entries pending stay pending in Redis and another copy takes them over once this one is seen dead',
    );
  return report;
}

async function runWithin(log: Logger, s: CloseStep, ms: number): Promise<StepOutcome['result']> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  try {
    const done = (async () => {
      await s.step();
      return 'closed' as const;
    })();
    const result = await Promise.race([done, late]);
    if (result === 'timed out') {
      done.catch(() => undefined); // given up on: a late failure is no longer news
      log.warn({ step: s.name, limitMs: ms }, 'close step timed out; going on without it');
    }
    return result;
  } catch (err) {
    log.warn({ step: s.name, err }, 'close step failed');
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Wires the process: SIGTERM/SIGINT run `shutdown` once, then exit 0 when it closed
 * everything cleanly, 1 when it did not; a second signal exits at once, and the process exits
 * (1) by SHUTDOWN_LIMITS.exitMs even if `shutdown` never settles. An unhandled rejection or
 * exception is logged and exits non-zero so the supervisor restarts the stage and its pending
 * entries are reclaimed.
 */
export function handleProcessSignals(
  log: Logger,
  shutdown: () => Promise<ShutdownReport | void>,
  limits: Pick<ShutdownLimits, 'exitMs'> = SHUTDOWN_LIMITS,
): void {
  let closing = false;
  const onSignal = (signal: string) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ exitMs: limits.exitMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, limits.exitMs);
    shutdown().then(
      (report) => process.exit(exitCodeOf(report)),
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
