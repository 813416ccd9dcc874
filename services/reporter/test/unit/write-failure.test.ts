import { describe, expect, it } from 'vitest';
import { PermanentError } from '@solstice/shared';
import { backoffMs, createMayHaveHappened, writeFailure } from '../../src/write-failure.js';

const retry = { maxAttempts: 3, baseMs: 1000, maxMs: 60_000 };
const now = 1_700_000_000_000;
const answered = (status: number, headers: Record<string, string> = {}, message = 'x') =>
  Object.assign(new Error(message), { status, response: { headers } });

describe('what a failed write means for the installation', () => {
  it('pauses the installation until the reset when the primary limit is used up', () => {
    const err = answered(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000600' });
    expect(writeFailure(err, 0, retry, now)).toMatchObject({
      kind: 'pause',
      untilMs: 1_700_000_600_000,
    });
  });

  it('pauses it for Retry-After on a secondary limit, a minute without one', () => {
    expect(writeFailure(answered(429, { 'retry-after': '30' }), 0, retry, now)).toMatchObject({
      kind: 'pause',
      untilMs: now + 30_000,
    });
    const secondary = answered(403, {}, 'You have exceeded a secondary rate limit');
    expect(writeFailure(secondary, 2, retry, now)).toMatchObject({
      kind: 'pause',
      untilMs: now + 60_000,
    });
  });

  it('gives up at once on a final refusal, saying what was refused', () => {
    expect(writeFailure(answered(422, {}, 'Validation Failed'), 0, retry, now)).toEqual({
      kind: 'giveup',
      reason: 'GitHub refused it: 422 Validation Failed',
    });
    expect(
      writeFailure(new PermanentError('GitHub refused to create: 404'), 0, retry, now),
    ).toEqual({ kind: 'giveup', reason: 'GitHub refused to create: 404' });
  });

  it('tries a 5xx again with a growing back-off, and gives up at the last attempt', () => {
    expect(writeFailure(answered(502), 0, retry, now)).toMatchObject({ kind: 'retry' });
    expect(writeFailure(answered(502), 1, retry, now)).toMatchObject({ kind: 'retry' });
    expect(writeFailure(answered(502, {}, 'Bad Gateway'), 2, retry, now)).toEqual({
      kind: 'giveup',
      reason: 'gave up after 3 attempts: 502 Bad Gateway',
    });
    expect(backoffMs(1, retry, 0.5)).toBe(1000);
    expect(backoffMs(3, retry, 0.5)).toBe(4000);
    expect(backoffMs(20, retry, 0.5)).toBe(60_000);
  });

  it('counts a create that got no answer, or a 5xx, as one that may have made the run', () => {
    expect(createMayHaveHappened(answered(502))).toBe(true);
    expect(createMayHaveHappened(new Error('socket hang up'))).toBe(true);
    expect(createMayHaveHappened(answered(422))).toBe(false);
    expect(createMayHaveHappened(answered(429, { 'retry-after': '1' }))).toBe(false);
  });
});
