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

  const appFor = (privateKey: string) => {
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
      log: captureLogger().log,
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
});
