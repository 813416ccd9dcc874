import {
  errorMessage,
  isFinalGitHubFailure,
  isPermanent,
  isRateLimited,
  mayHaveHappened,
  rateLimitedUntil,
} from '@solstice/shared';
import type { FailKind } from './adapters/writer-store.js';

export interface WriteRetry {
  /** WRITE_MAX_ATTEMPTS: failed attempts of one wanted state before it is given up. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Back-off of the n-th failed attempt (1-based): doubling from baseMs to maxMs, ±20%. */
export function backoffMs(attempt: number, r: WriteRetry, jitter = Math.random()): number {
  const ms = Math.min(r.maxMs, r.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ms * (0.8 + jitter * 0.4));
}

/**
 * What a failed call to GitHub means for the installation's writer: a rate limit pauses the
 * installation (not the job's fault: no attempt counted); a final refusal, or the last
 * allowed attempt, gives the job up; anything else is tried again after a back-off while the
 * job keeps its place. `attempts`: failed attempts before this one.
 */
export function writeFailure(
  err: unknown,
  attempts: number,
  r: WriteRetry,
  now: number,
): FailKind & { reason: string } {
  const message = errorMessage(err).split('\n')[0]!.slice(0, 500);
  const untilMs = rateLimitedUntil(err, now);
  if (untilMs !== undefined) return { kind: 'pause', untilMs, reason: `rate limited: ${message}` };
  // A PermanentError (rethrowGitHubFailure) says already what GitHub refused.
  if (isPermanent(err)) return { kind: 'giveup', reason: message };
  if (isFinalGitHubFailure(err))
    return { kind: 'giveup', reason: `GitHub refused it: ${statusOf(err)}${message}` };
  if (attempts + 1 >= r.maxAttempts)
    return {
      kind: 'giveup',
      reason: `gave up after ${attempts + 1} attempts: ${statusOf(err)}${message}`,
    };
  return {
    kind: 'retry',
    afterMs: backoffMs(attempts + 1, r),
    reason: `${statusOf(err)}${message}`,
  };
}

const statusOf = (err: unknown): string => {
  const status = (err as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? `${status} ` : '';
};

/** A create that failed this way may have made the run: look it up before creating again. */
export const createMayHaveHappened = (err: unknown): boolean =>
  !isRateLimited(err) && mayHaveHappened(err);
