import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLater } from '@solstice/shared';
import { classifyFailure, ContentsRefused } from '../../src/adapters/classify-failure.js';

const at = { owner: 'octo-org', repo: 'app', sha: 'a'.repeat(40), installationId: 7 };
const PATH = '.solstice/workflow.kdl';
const failure = (
  status: number | undefined,
  message: string,
  o: { url?: string; headers?: Record<string, string> } = {},
) =>
  Object.assign(new Error(message), {
    status,
    request: { url: o.url ?? `https://api.github.com/repos/octo-org/app/contents/${PATH}` },
    response: { headers: o.headers ?? {} },
  });
const MINT = 'https://api.github.com/app/installations/7/access_tokens';

describe('what a failed Contents API read means', () => {
  it('is no workflow file on a 404', () => {
    expect(classifyFailure(failure(404, 'Not Found'), at, PATH)).toBe('absent');
  });

  it('is worth retrying when GitHub does not know the commit yet', () => {
    const outcome = classifyFailure(
      failure(404, `No commit found for the ref ${at.sha}`),
      at,
      PATH,
    );
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(PermanentError);
  });

  it('is permanent when GitHub refuses the App credentials or the installation', () => {
    const bad = classifyFailure(
      failure(401, 'A JSON web token could not be decoded', { url: MINT }),
      at,
      PATH,
    );
    expect(bad).toBeInstanceOf(PermanentError);
    expect((bad as Error).message).toBe(
      "GitHub refused the App's credentials (GITHUB_APP_ID, GITHUB_APP_KEY) for installation 7: 401 A JSON web token could not be decoded",
    );
    const gone = classifyFailure(failure(404, 'Not Found', { url: MINT }), at, PATH);
    expect((gone as Error).message).toMatch(/^GitHub does not know installation 7 of the App/);
    const denied = classifyFailure(
      failure(403, 'Resource not accessible by integration'),
      at,
      PATH,
    );
    expect(denied).toBeInstanceOf(PermanentError);
    expect(denied).toBeInstanceOf(ContentsRefused);
    expect((denied as Error).message).toBe(
      'the App needs Contents: read on octo-org/app (GitHub answered 403 Resource not accessible by integration); ' +
        'see https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/choosing-permissions-for-a-github-app',
    );
    const revoked = classifyFailure(failure(401, 'Bad credentials'), at, PATH);
    expect(revoked).toBeInstanceOf(ContentsRefused);
    expect(bad).not.toBeInstanceOf(ContentsRefused);
  });

  const now = 1_700_000_000_000;
  it.each([
    [
      'x-ratelimit-remaining: 0',
      failure(403, 'Forbidden', {
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000600' },
      }),
      now + 600_000,
    ],
    ['retry-after', failure(403, 'Forbidden', { headers: { 'retry-after': '60' } }), now + 60_000],
    [
      'a secondary rate limit',
      failure(403, 'You have exceeded a secondary rate limit'),
      now + 60_000,
    ],
    ['429', failure(429, 'Too Many Requests'), now + 60_000],
  ])('defers the event until GitHub allows it again after %s', (_what, err, until) => {
    const outcome = classifyFailure(err, at, PATH, now);
    expect(outcome).toBeInstanceOf(RetryLater);
    expect((outcome as RetryLater).untilMs).toBe(until);
    expect((outcome as Error).message).toMatch(
      /^reading \.solstice\/workflow\.kdl of octo-org\/app@a{40} is rate limited until /,
    );
  });

  it.each([
    ['a 502', failure(502, 'Bad Gateway')],
    ['a network failure', failure(undefined, 'connect ECONNREFUSED 127.0.0.1:1')],
  ])('is worth retrying after %s', (_what, err) => {
    const outcome = classifyFailure(err, at, PATH);
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(PermanentError);
    expect((outcome as Error).message).toMatch(
      /^reading \.solstice\/workflow\.kdl of octo-org\/app@a{40} failed/,
    );
  });
});
