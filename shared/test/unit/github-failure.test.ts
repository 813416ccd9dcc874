import { describe, expect, it } from 'vitest';
import {
  exhaustedUntil,
  isFinalGitHubFailure,
  isRateLimited,
  isTokenMint,
  mayHaveHappened,
  PermanentError,
  rateLimitedUntil,
  rethrowGitHubFailure,
} from '@solstice/shared';

describe('which GitHub failures are final', () => {
  const failure = (status: number, headers: Record<string, string> = {}, message = '') =>
    Object.assign(new Error(message), { status, response: { headers } });

  it('treats 404, 422, 400 and a plain 403 as final', () => {
    for (const s of [400, 404, 410, 422]) expect(isFinalGitHubFailure(failure(s))).toBe(true);
    expect(isFinalGitHubFailure(failure(403, {}, 'Resource not accessible by integration'))).toBe(
      true,
    );
  });

  it('retries 5xx, 401, rate limits and failures without an answer', () => {
    for (const s of [500, 502, 503, 401]) expect(isFinalGitHubFailure(failure(s))).toBe(false);
    expect(isFinalGitHubFailure(failure(403, { 'x-ratelimit-remaining': '0' }))).toBe(false);
    expect(isFinalGitHubFailure(failure(403, {}, 'You have exceeded a secondary rate limit'))).toBe(
      false,
    );
    expect(isFinalGitHubFailure(new Error('ECONNRESET'))).toBe(false);
  });
});

describe('what counts as a rate limit (the expander and the reporter alike)', () => {
  const failure = (status: number, headers: Record<string, string> = {}, message = '') =>
    Object.assign(new Error(message), { status, response: { headers } });

  it.each([
    ['429', failure(429, {}, 'Too Many Requests')],
    ['a secondary rate limit', failure(403, {}, 'You have exceeded a secondary rate limit')],
    ['retry-after', failure(403, { 'retry-after': '60' }, 'Forbidden')],
    ['x-ratelimit-remaining: 0', failure(403, { 'x-ratelimit-remaining': '0' }, 'Forbidden')],
  ])('is %s', (_what, err) => {
    expect(isRateLimited(err)).toBe(true);
    expect(isFinalGitHubFailure(err)).toBe(false);
  });

  it('is not a plain 403 or a 5xx', () => {
    expect(isRateLimited(failure(403, {}, 'Resource not accessible by integration'))).toBe(false);
    expect(isRateLimited(failure(502, {}, 'Bad Gateway'))).toBe(false);
    expect(isRateLimited(undefined)).toBe(false);
  });
});

describe('the rest of the GitHub failure contract', () => {
  it('turns a final refusal into a PermanentError naming what was refused', () => {
    const refused = Object.assign(new Error('Validation Failed\nmore'), { status: 422 });
    expect(() => rethrowGitHubFailure(refused, 'create a Check Run')).toThrow(
      new PermanentError('GitHub refused to create a Check Run: 422 Validation Failed'),
    );
    const down = Object.assign(new Error('Bad Gateway'), { status: 502 });
    expect(() => rethrowGitHubFailure(down, 'create a Check Run')).toThrow(down);
  });

  it('says a write may have happened when no answer or a 5xx came back', () => {
    expect(mayHaveHappened(new Error('ECONNRESET'))).toBe(true);
    expect(mayHaveHappened(Object.assign(new Error('x'), { status: 502 }))).toBe(true);
    expect(mayHaveHappened(Object.assign(new Error('x'), { status: 422 }))).toBe(false);
  });

  it('knows the mint of an installation token by its URL', () => {
    const mint = { request: { url: 'https://api.github.com/app/installations/7/access_tokens' } };
    expect(isTokenMint(mint)).toBe(true);
    expect(isTokenMint({ request: { url: 'https://api.github.com/repos/o/r/contents/x' } })).toBe(
      false,
    );
  });
});

describe('until when a rate-limited call waits', () => {
  const now = 1_700_000_000_000;
  const failure = (status: number, headers: Record<string, string> = {}, message = '') =>
    Object.assign(new Error(message), { status, response: { headers } });

  it('reads a used-up primary limit off a successful answer too', () => {
    expect(exhaustedUntil({ 'x-ratelimit-remaining': '4999' }, now)).toBeUndefined();
    expect(
      exhaustedUntil({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000060' }, now),
    ).toBe(1_700_000_060_000);
  });

  it("takes GitHub's Retry-After, else the primary limit's reset, else a minute", () => {
    expect(rateLimitedUntil(failure(403, { 'retry-after': '30' }), now)).toBe(now + 30_000);
    expect(rateLimitedUntil(failure(429, { 'retry-after': '0' }), now)).toBe(now);
    const reset = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700003600' };
    expect(rateLimitedUntil(failure(403, reset), now)).toBe(1_700_003_600_000);
    const secondary = failure(403, {}, 'You have exceeded a secondary rate limit');
    expect(rateLimitedUntil(secondary, now)).toBe(now + 60_000);
  });

  it('is undefined for a failure that is no rate limit', () => {
    expect(rateLimitedUntil(failure(502), now)).toBeUndefined();
    expect(rateLimitedUntil(failure(403, {}, 'Resource not accessible'), now)).toBeUndefined();
    expect(rateLimitedUntil(new Error('socket hang up'), now)).toBeUndefined();
  });
});
