import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigReader,
  createGitHubApp,
  createMetrics,
  createRedis,
  keysFor,
  readGitHubSettings,
  type Redis,
} from '@solstice/shared';
import { createStandIn, generateAppKey, type GitHubStandIn } from '@solstice/github-standin';
import { removeKeys } from '../../../test/support/keys.js';
import { captureLogger } from '../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../test/support/servers.js';

describe('GitHub App clients against the GitHub stand-in', () => {
  const key = generateAppKey();
  const otherKey = generateAppKey();
  let standIn: GitHubStandIn;
  let redis: Redis;
  const prefix = uniqueName('gh');
  const keys = keysFor(prefix);

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 42, key }).start();
    standIn.addInstallation({ id: 7, account: 'octo-org', repos: [] });
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterAll(async () => {
    await standIn.close();
    await removeKeys(prefix, redis);
    await redis.quit();
  });

  const appFor = (privateKey: string, log = captureLogger().log) => {
    const settings = readGitHubSettings(
      new ConfigReader({
        env: { GITHUB_API_BASE: standIn.url, GITHUB_RETRY_BASE_MS: '5', GITHUB_WRITE_MIN_MS: '0' },
      }),
    );
    return createGitHubApp({
      settings,
      app: { appId: 42, privateKey },
      redis,
      tokenKey: keys.tokenCache,
      log,
      metrics: createMetrics('test'),
    });
  };

  it('looks up an installation with a JWT signed by the App key', async () => {
    const { data } = await appFor(key)
      .app()
      .request('GET /repos/{owner}/{repo}/installation', { owner: 'octo-org', repo: 'x' });
    expect(data.id).toBe(7);
    expect(standIn.calls.at(-1)?.auth).toBe('jwt');
  });

  it('is refused with a JWT signed by another key', async () => {
    await expect(appFor(otherKey).app().request('GET /app')).rejects.toMatchObject({ status: 401 });
  });

  it('mints one installation token and shares it through Redis across copies', async () => {
    const before = standIn.callsTo('POST', /access_tokens$/).length;
    const copyA = appFor(key).installation(7);
    const copyB = appFor(key).installation(7);
    await copyA.auth({ type: 'installation' });
    await copyB.auth({ type: 'installation' });
    const minted = standIn.callsTo('POST', /access_tokens$/).length - before;
    expect(minted).toBe(1);
  });

  it('retries a 502 and then succeeds', async () => {
    standIn.fail({ path: /^\/app$/ }, { status: 502, body: { message: 'Bad Gateway' } }, 2);
    const { data } = await appFor(key).app().request('GET /app');
    expect(data?.id).toBe(42);
    const last = standIn
      .callsTo('GET', /^\/app$/)
      .slice(-3)
      .map((c) => c.status);
    expect(last).toEqual([502, 502, 200]);
  });

  it('never logs the installation token of a failed call: a real octokit RequestError, however it travels', async () => {
    const logs = captureLogger('expander', 'info');
    const client = appFor(key, logs.log).installation(7);
    const { token } = (await client.auth({ type: 'installation' })) as { token: string };
    expect(token.length).toBeGreaterThan(10);

    // A file the stand-in does not have: GitHub's 404, as a RequestError.
    const err = await client
      .request('GET /repos/{owner}/{repo}/contents/{path}', {
        owner: 'octo-org',
        repo: 'widgets',
        path: '.solstice/workflow.kdl',
        ref: '0123456789abcdef0123456789abcdef01234567',
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error & { status: number; request: { headers: object } },
      );
    expect(err?.name).toBe('HttpError');
    expect(err?.status).toBe(404);
    const authorization = `token ${token}`;
    // However it travels: as err, under another key, as a cause, and beside a hand-made
    // cause that holds the header unredacted (as a wrapper of the request would).
    logs.log.warn({ err, delivery: 'd1' }, 'workflow file not read');
    logs.log.error({ failure: { error: err } }, 'nested');
    logs.log.error(
      { err: new Error('expanding failed', { cause: err }), delivery: 'd2' },
      'wrapped',
    );
    logs.log.error(
      {
        err: Object.assign(new Error('wrapper'), {
          cause: { request: { headers: { Authorization: authorization } } },
        }),
      },
      'plain cause',
    );
    logs.log.info({ request: { headers: { AUTHORIZATION: authorization } } }, 'headers');

    const text = logs.text();
    expect(text).not.toContain(token);
    // octokit's own line of the failed call is there too.
    const first = logs.lines().find((l) => l.delivery === 'd1');
    expect(first).toMatchObject({
      delivery: 'd1',
      err: { status: 404, request: { method: 'GET', headers: { authorization: '[redacted]' } } },
    });
    const mine = ['workflow file not read', 'nested', 'wrapped', 'plain cause', 'headers'];
    expect(logs.lines().filter((l) => mine.includes(String(l.msg)))).toHaveLength(5);
  });
});
