/**
 * How long a stop may take, whatever state Redis and RabbitMQ are in. Constants, not
 * settings: they only have to stay below the supervisor's grace before SIGKILL (compose's
 * `stop_grace_period` and Kubernetes' `terminationGracePeriodSeconds`, both 30 s here).
 * - `drainMs`: the work in hand (the batch being handled and its commit, the requests being
 *   answered) finishes within this, counted from the signal; all drain steps share it.
 * - `stepMs`: each other close step (a channel, a connection, a server) within this.
 * - `closeMs`: every step has run (or was given up) within this, counted from the signal.
 * - `exitMs`: the process exits by then even if a shutdown does not settle (last resort).
 */
export const SHUTDOWN_LIMITS = {
  drainMs: 10_000,
  stepMs: 2_000,
  closeMs: 18_000,
  exitMs: 20_000,
} as const;

export type ShutdownLimits = { [K in keyof typeof SHUTDOWN_LIMITS]: number };

/** A drain step waits for the work in hand; a close step closes one thing. */
export type StepKind = 'drain' | 'close';

/**
 * The time a step may take when it starts at `now` in a stop that began at `startedAt`: its
 * own bound, cut to what is left of the drain window (a drain step) and of `closeMs`. 0: no
 * time left, the step is given up without running.
 */
export function stepLimitMs(
  kind: StepKind,
  startedAt: number,
  now: number,
  limits: ShutdownLimits = SHUTDOWN_LIMITS,
): number {
  const left = startedAt + limits.closeMs - now;
  const own = kind === 'drain' ? startedAt + limits.drainMs - now : limits.stepMs;
  return Math.max(0, Math.min(own, left));
}

/** What became of one close step. */
export interface StepOutcome {
  step: string;
  result: 'closed' | 'failed' | 'timed out' | 'skipped';
  /** Stream entry ids the step still held (read or claimed, not committed). */
  pending?: string[];
}

export interface ShutdownReport {
  /** Every step closed and nothing was left pending: exit 0. */
  clean: boolean;
  /** `step: result` of each step that did not close. */
  notClosed: string[];
  /** The entry ids left pending, by step. */
  pending: Record<string, string[]>;
}

/** The summary of a stop: clean only when every step closed and no entry was left pending. */
export function shutdownReport(outcomes: StepOutcome[]): ShutdownReport {
  const notClosed = outcomes
    .filter((o) => o.result !== 'closed')
    .map((o) => `${o.step}: ${o.result}`);
  const pending: Record<string, string[]> = {};
  for (const o of outcomes) if (o.pending && o.pending.length > 0) pending[o.step] = o.pending;
  return { clean: notClosed.length === 0 && Object.keys(pending).length === 0, notClosed, pending };
}

/** The exit code after a stop: 0 clean, 1 when something could not be committed or closed. */
export function exitCodeOf(report: ShutdownReport | void): 0 | 1 {
  return report === undefined || report.clean ? 0 : 1;
}
