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

describe('logging a failed GitHub call never shows the installation token', () => {
  const key = generateAppKey();
  let standIn: GitHubStandIn;
  let redis: Redis;
  const prefix = uniqueName('redact');

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

  it('logs a real octokit RequestError from a request that carried an installation token', async () => {
    const logs = captureLogger('expander', 'info');
    const app = createGitHubApp({
      settings: readGitHubSettings(
        new ConfigReader({ env: { GITHUB_API_BASE: standIn.url, GITHUB_RETRY_BASE_MS: '5' } }),
      ),
      app: { appId: 42, privateKey: key },
      redis,
      tokenKey: keysFor(prefix).tokenCache,
      log: logs.log,
      metrics: createMetrics('test'),
    });
    const client = app.installation(7);
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
