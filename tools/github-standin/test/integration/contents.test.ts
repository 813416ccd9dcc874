import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigReader,
  createGitHubApp,
  createRedis,
  keysFor,
  readGitHubSettings,
  type GitHubApp,
  type Redis,
} from '@solstice/shared';
import { ContentStore, createStandIn, generateAppKey } from '../../src/index.js';
import { newSha } from '../../../../test/support/fixtures.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { captureLogger } from '../../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../../test/support/servers.js';

const APP_ID = 42;
const OWNER = 'octo-org';
const INSTALLATION = 7;

/** The stand-in with the App's routes and the Contents API over `files`. */
async function startGitHub() {
  const key = generateAppKey();
  const files = new ContentStore();
  const standIn = await createStandIn({ appId: APP_ID, key, contents: files }).start();
  standIn.addInstallation({ id: INSTALLATION, account: OWNER, repos: [] });
  return { standIn, files, key };
}

describe("the stand-in's Contents API", () => {
  let github: Awaited<ReturnType<typeof startGitHub>>;
  let redis: Redis;
  let app: GitHubApp;
  const prefix = uniqueName('contents');
  const keys = keysFor(prefix);
  const sha = newSha();
  const text = 'workflow {\n  job "build"\n}\n'.repeat(20);

  beforeAll(async () => {
    github = await startGitHub();
    github.standIn.addInstallation({ id: 8, account: 'other-org', repos: [] });
    github.files
      .put(OWNER, 'app', sha, '.solstice/workflow.kdl', text)
      .put(OWNER, 'app', sha, '.solstice/build.sh', '#!/bin/sh\n')
      .put('other-org', 'app', sha, '.solstice/workflow.kdl', text);
    redis = createRedis(redisUrl(), { role: 'worker' });
    app = createGitHubApp({
      settings: readGitHubSettings(
        new ConfigReader({
          env: { GITHUB_API_BASE: github.standIn.url, GITHUB_RETRY_BASE_MS: '5' },
        }),
      ),
      app: { appId: APP_ID, privateKey: github.key },
      redis,
      tokenKey: keys.tokenCache,
      log: captureLogger().log,
    });
  });
  afterAll(async () => {
    await github.standIn.close();
    await removeKeys(prefix, redis);
    await redis.quit();
  });

  const get = (
    owner: string,
    repo: string,
    path: string,
    ref: string,
    installation = INSTALLATION,
  ) => app.installation(installation).rest.repos.getContent({ owner, repo, path, ref });

  it("answers a file in GitHub's shape: base64 content, git blob sha, size", async () => {
    const { data } = await get(OWNER, 'app', '.solstice/workflow.kdl', sha);
    const bytes = Buffer.from(text);
    expect(data).toMatchObject({
      type: 'file',
      encoding: 'base64',
      name: 'workflow.kdl',
      path: '.solstice/workflow.kdl',
      size: bytes.length,
      sha: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
    });
    const content = (data as { content: string }).content;
    expect(content.split('\n').every((line) => line.length <= 60)).toBe(true);
    expect(Buffer.from(content, 'base64').toString()).toBe(text);
    expect(github.standIn.calls.at(-1)).toMatchObject({
      auth: 'token',
      installationId: INSTALLATION,
    });
  });

  it('lists a directory', async () => {
    const { data } = await get(OWNER, 'app', '.solstice', sha);
    expect((data as { name: string; type: string }[]).map((e) => [e.name, e.type])).toEqual([
      ['workflow.kdl', 'file'],
      ['build.sh', 'file'],
    ]);
  });

  it('answers 404 for a missing file, another commit, and a repository the token does not cover', async () => {
    await expect(get(OWNER, 'app', '.solstice/none.kdl', sha)).rejects.toMatchObject({
      status: 404,
    });
    await expect(get(OWNER, 'app', '.solstice/workflow.kdl', newSha())).rejects.toMatchObject({
      status: 404,
    });
    await expect(get('other-org', 'app', '.solstice/workflow.kdl', sha)).rejects.toMatchObject({
      status: 404,
    });
    const { data } = await get('other-org', 'app', '.solstice/workflow.kdl', sha, 8);
    expect((data as { size: number }).size).toBe(text.length);
  });

  it('refuses the App JWT: the Contents API takes an installation token', async () => {
    const { token: jwt } = (await app.app().auth({ type: 'app' })) as { token: string };
    const url = `${github.standIn.url}/repos/${OWNER}/app/contents/.solstice/workflow.kdl?ref=${sha}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(401);
    expect(github.standIn.calls.at(-1)).toMatchObject({ auth: 'jwt', status: 401 });
  });
});
