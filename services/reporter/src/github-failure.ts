import { PermanentError } from '@solstice/shared';

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, unknown> };
}

// Answers that will not change however often the same call is repeated: a bad request, a
// repository or run that is gone or not covered by the installation, a rejected body.
const FINAL = new Set([400, 404, 410, 422]);

/**
 * True when GitHub refused the call for good. 5xx, timeouts and rate limits are worth
 * retrying (plugin-retry and plugin-throttling did so already); 401 too, as a token that
 * was revoked is minted again. A 403 is final unless it is a rate limit.
 */
export function isFinalGitHubFailure(err: unknown): boolean {
  const e = err as HttpFailure;
  if (typeof e?.status !== 'number') return false;
  if (FINAL.has(e.status)) return true;
  if (e.status !== 403) return false;
  const h = e.response?.headers ?? {};
  const limited =
    h['x-ratelimit-remaining'] === '0' ||
    h['retry-after'] !== undefined ||
    /rate limit/i.test(e.message ?? '');
  return !limited;
}

/** Turns a final GitHub refusal into a PermanentError saying what was refused; rethrows others. */
export function rethrowGitHubFailure(err: unknown, what: string): never {
  if (isFinalGitHubFailure(err)) {
    const e = err as HttpFailure;
    throw new PermanentError(
      `GitHub refused to ${what}: ${e.status} ${(e.message ?? '').split('\n')[0]}`,
    );
  }
  throw err;
}

/** A failure after which GitHub may have done the write anyway (no answer, or a 5xx). */
export function mayHaveHappened(err: unknown): boolean {
  const status = (err as HttpFailure)?.status;
  return typeof status !== 'number' || status >= 500;
}
