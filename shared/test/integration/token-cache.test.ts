import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigReader,
  createGitHubApp,
  createRedis,
  keysFor,
  readGitHubSettings,
  type Redis,
} from '@solstice/shared';
import {
  ContentStore,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '@solstice/github-standin';
import { removeKeys } from '../../../test/support/keys.js';
import { captureLogger } from '../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../test/support/servers.js';

// The installation token held in memory (issue 18), through the real octokit clients against
// the stand-in: Redis is read when a copy has no token or its token is near expiry or refused.
describe('installation tokens held in memory', () => {
  const key = generateAppKey();
  const EARLY_MS = 5 * 60 * 1000;
  let redis: Redis;
  const prefix = uniqueName('tok');
  const keys = keysFor(prefix);
  const stands: GitHubStandIn[] = [];

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterAll(async () => {
    await Promise.all(stands.map((s) => s.close()));
    await removeKeys(prefix, redis);
    await redis.quit();
  });

  /** A stand-in whose tokens live `tokenTtlMs`, installed on octo-org as `installationId`. */
  const standInWith = async (installationId: number, tokenTtlMs?: number) => {
    const contents = new ContentStore();
    contents.put('octo-org', 'widgets', 'a'.repeat(40), '.solstice/workflow.kdl', 'x');
    const s = await createStandIn({ appId: 42, key, tokenTtlMs, contents }).start();
    s.addInstallation({ id: installationId, account: 'octo-org', repos: [] });
    stands.push(s);
    return s;
  };

  /** One copy of a stage: its own clients and memory, the shared Redis (reads counted). */
  const copy = (s: GitHubStandIn, waitInClient = true) => {
    const reads: string[] = [];
    const counted = Object.create(redis) as Redis;
    counted.get = (k: string) => {
      reads.push(k);
      return redis.get(k);
    };
    const app = createGitHubApp({
      settings: readGitHubSettings(
        new ConfigReader({
          env: { GITHUB_API_BASE: s.url, GITHUB_RETRY_BASE_MS: '5', GITHUB_WRITE_MIN_MS: '0' },
        }),
      ),
      app: { appId: 42, privateKey: key },
      redis: counted,
      tokenKey: keys.tokenCache,
      log: captureLogger().log,
      waitInClient,
    });
    return { app, reads };
  };

  const readFile = (app: ReturnType<typeof copy>['app'], installationId: number) =>
    app.installation(installationId).rest.repos.getContent({
      owner: 'octo-org',
      repo: 'widgets',
      path: '.solstice/workflow.kdl',
      ref: 'a'.repeat(40),
    });
  const mints = (s: GitHubStandIn) => s.callsTo('POST', /access_tokens$/).length;

  it('reuses its token without reading Redis again, and a second copy reads Redis once', async () => {
    const s = await standInWith(101);
    const a = copy(s);
    const b = copy(s);
    for (let i = 0; i < 5; i++) await readFile(a.app, 101);
    expect(mints(s)).toBe(1);
    expect(a.reads.filter((k) => k === keys.tokenCache('101'))).toHaveLength(1);
    for (let i = 0; i < 5; i++) await readFile(b.app, 101);
    expect(mints(s)).toBe(1);
    expect(b.reads.filter((k) => k === keys.tokenCache('101'))).toHaveLength(1);
    expect(s.callsTo('GET', /contents/).every((c) => c.status === 200 && c.auth === 'token')).toBe(
      true,
    );
  });

  it('mints again once its token is within 5 minutes of expiry, in memory as in Redis', async () => {
    // Tokens of 5 min + 5 s: usable for 5 s (room for a slow machine between the calls).
    const s = await standInWith(102, EARLY_MS + 5000);
    const a = copy(s);
    await readFile(a.app, 102);
    await readFile(a.app, 102);
    expect(mints(s)).toBe(1);
    const held = await redis.get(keys.tokenCache('102'));
    const usableUntil = Date.parse(held!.split('|')[2]!) - EARLY_MS;
    await new Promise((r) => setTimeout(r, usableUntil - Date.now() + 200));
    await readFile(a.app, 102);
    expect(mints(s)).toBe(2);
    expect(await redis.pttl(keys.tokenCache('102'))).toBeGreaterThan(0);
  });

  it('never holds a token minted already within 5 minutes of expiry', async () => {
    const s = await standInWith(103, EARLY_MS - 60_000);
    const a = copy(s);
    await readFile(a.app, 103);
    await readFile(a.app, 103);
    expect(mints(s)).toBe(2);
    expect(await redis.exists(keys.tokenCache('103'))).toBe(0);
  });

  it('drops a revoked token on 401: this copy mints a new one, another copy takes it from Redis', async () => {
    const s = await standInWith(104);
    // A token minted 10 minutes ago (so auth-app does not wait for GitHub's replication) and
    // held by two copies.
    const old = s.mintToken(104, 42);
    const createdAt = new Date(Date.now() - 600_000).toISOString();
    await redis.set(
      keys.tokenCache('104'),
      [old.token, createdAt, old.expires_at, 'all', 'checks!,contents', ''].join('|'),
      'PX',
      600_000,
    );
    const a = copy(s, false);
    const b = copy(s, false);
    await readFile(a.app, 104);
    await readFile(b.app, 104);
    expect(mints(s)).toBe(0);

    s.tokens.delete(old.token); // revoked (the App re-installed)
    await expect(readFile(a.app, 104)).rejects.toMatchObject({ status: 401 });
    expect(await redis.exists(keys.tokenCache('104'))).toBe(0);
    await readFile(a.app, 104);
    expect(mints(s)).toBe(1);
    const fresh = (await redis.get(keys.tokenCache('104')))?.split('|')[0];
    expect(fresh).not.toBe(old.token);

    // b still holds the revoked token: one 401, then the token a stored, without minting.
    await expect(readFile(b.app, 104)).rejects.toMatchObject({ status: 401 });
    expect((await redis.get(keys.tokenCache('104')))?.split('|')[0]).toBe(fresh);
    await readFile(b.app, 104);
    expect(mints(s)).toBe(1);
  });
});
