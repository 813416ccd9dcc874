import type { Exit } from './stage-process.js';

/** What runMain exits with on a ConfigError: restarting cannot help. */
export const CONFIG_ERROR_EXIT = 2;

/** Wait before the n-th restart in a row: 1 s, 2 s, 4 s … at most 30 s. */
export function restartDelayMs(consecutive: number): number {
  return Math.min(1000 * 2 ** Math.max(consecutive - 1, 0), 30_000);
}

// A program that stayed up this long was healthy: its next crash starts the back-off again.
const STABLE_MS = 60_000;

/** Start the program again when it exits by itself, except on a configuration error. */
export interface RestartPolicy {
  /** Wait before the n-th restart in a row (default: restartDelayMs). */
  delayMs?: (consecutive: number) => number;
  /** Called once the program will not be started again (it exited with CONFIG_ERROR_EXIT). */
  onGiveUp?: () => void;
}

export type RestartDecision =
  | { giveUp: true; message: string }
  | { giveUp: false; message: string; delayMs: number; consecutive: number };

/**
 * What to do after a program exited by itself: give up (a configuration error) or restart it
 * after a delay that grows with each restart in a row; `upMs` is how long it had run.
 */
export function decideRestart(
  exit: Exit,
  upMs: number,
  consecutive: number,
  policy: RestartPolicy,
): RestartDecision {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  if (exit.code === CONFIG_ERROR_EXIT)
    return {
      giveUp: true,
      message: `${how}: its configuration is wrong (see the lines above); not restarting it`,
    };
  const n = (upMs >= STABLE_MS ? 0 : consecutive) + 1;
  const delayMs = (policy.delayMs ?? restartDelayMs)(n);
  return {
    giveUp: false,
    message: `${how}; restarting in ${delayMs / 1000} s (restart ${n})`,
    delayMs,
    consecutive: n,
  };
}
