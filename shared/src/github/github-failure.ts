import { PermanentError } from '../errors.js';

/** What an octokit RequestError carries that the classification reads. */
interface HttpFailure {
  status?: number;
  message?: string;
  request?: { url?: string };
  response?: { headers?: Record<string, unknown> };
}

const failureOf = (err: unknown): HttpFailure => err ?? {};

// Answers that will not change however often the same call is repeated: a bad request, a
// repository or run that is gone or not covered by the installation, a rejected body.
const FINAL = new Set([400, 404, 410, 422]);

/**
 * A primary or secondary rate limit: 429, or a 403 with `x-ratelimit-remaining: 0`, a
 * `retry-after` header or a message saying so ("You have exceeded a secondary rate limit").
 * https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors
 */
export function isRateLimited(err: unknown): boolean {
  const e = failureOf(err);
  const h = e.response?.headers ?? {};
  return (
    e.status === 429 ||
    h['x-ratelimit-remaining'] === '0' ||
    h['retry-after'] !== undefined ||
    /rate limit/i.test(e.message ?? '')
  );
}

/** True when the failed call was the mint of an installation token (POST …/access_tokens). */
export function isTokenMint(err: unknown): boolean {
  return /\/app\/installations\/\d+\/access_tokens/.test(failureOf(err).request?.url ?? '');
}

/**
 * True when GitHub refused the call for good. 5xx, timeouts and rate limits are worth
 * retrying (plugin-retry and plugin-throttling did so already); 401 too, as a token that
 * was revoked is minted again. A 403 is final unless it is a rate limit.
 */
export function isFinalGitHubFailure(err: unknown): boolean {
  const e = failureOf(err);
  if (typeof e.status !== 'number') return false;
  if (FINAL.has(e.status)) return true;
  return e.status === 403 && !isRateLimited(e);
}

/** Turns a final GitHub refusal into a PermanentError saying what was refused; rethrows others. */
export function rethrowGitHubFailure(err: unknown, what: string): never {
  if (isFinalGitHubFailure(err)) {
    const e = failureOf(err);
    throw new PermanentError(
      `GitHub refused to ${what}: ${e.status} ${(e.message ?? '').split('\n')[0]}`,
    );
  }
  throw err;
}

/** A failure after which GitHub may have done the write anyway (no answer, or a 5xx). */
export function mayHaveHappened(err: unknown): boolean {
  const status = failureOf(err).status;
  return typeof status !== 'number' || status >= 500;
}

/** The headers of a GitHub answer, as octokit gives them. */
export type AnswerHeaders = Record<string, unknown> | undefined;

// GitHub: after a secondary limit without retry-after, wait at least a minute.
// https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
const SECONDARY_DEFAULT_MS = 60_000;

/**
 * When the primary limit is used up (`x-ratelimit-remaining: 0`): the reset time in ms (or a
 * minute from now without one); else undefined. Read from every answer, so a writer pauses
 * before GitHub has to refuse it.
 */
export function exhaustedUntil(headers: AnswerHeaders, now: number): number | undefined {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a header's value: a string or number
  if (String(headers?.['x-ratelimit-remaining'] ?? '') !== '0') return undefined;
  const reset = Number(headers?.['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : now + SECONDARY_DEFAULT_MS;
}

/**
 * Until when (epoch ms) a rate-limited call should not be tried again: GitHub's Retry-After,
 * else the primary limit's reset, else a minute. Undefined when the failure is no rate limit.
 */
export function rateLimitedUntil(err: unknown, now: number): number | undefined {
  if (!isRateLimited(err)) return undefined;
  const headers = failureOf(err).response?.headers;
  const retryAfter = Number(headers?.['retry-after']);
  if (headers?.['retry-after'] !== undefined && Number.isFinite(retryAfter))
    return now + retryAfter * 1000;
  return exhaustedUntil(headers, now) ?? now + SECONDARY_DEFAULT_MS;
}
