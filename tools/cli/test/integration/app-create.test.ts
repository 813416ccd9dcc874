import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AppManifests,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '@solstice/github-standin';
import { connectRedis, runCli } from '../../src/index.js';
import {
  followCallback,
  openSetupPage,
  registerApp,
  submitToGitHub,
} from '../../../../test/support/browser.js';
import { waitFor } from '../../../../test/support/wait.js';

/** `solstice app create …` in-process, its output as it comes, stoppable. */
function appCreate(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const abort = new AbortController();
  const code = runCli(['app', 'create', ...argv], {
    env,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    connectRedis,
    signal: abort.signal,
  });
  const page = async () =>
    /^Open (http:\/\/127\.0\.0\.1:\d+\/\S*) in a browser/.exec(
      await waitFor(() => out.find((l) => l.startsWith('Open ')), 'the page URL'),
    )![1]!;
  return { out, err, code, page, stop: () => abort.abort() };
}

describe('solstice app create', () => {
  let standIn: GitHubStandIn;
  const manifests = new AppManifests();
  let root: string;
  let stops: (() => void)[] = [];

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 1, key: generateAppKey(), manifests }).start();
    root = mkdtempSync(join(tmpdir(), 'solstice-app-create-'));
  });
  afterEach(() => {
    for (const stop of stops) stop();
    stops = [];
  });
  afterAll(async () => {
    await standIn.close();
    rmSync(root, { recursive: true, force: true });
  });

  const env = (dir: string) => ({ GITHUB_API_BASE: standIn.url, CREDENTIALS_DIR: dir });

  it('serves the registration page, converts the code, writes the files and says where', async () => {
    const dir = join(root, 'one');
    const run = appCreate(
      ['--webhook-url', 'https://ci.example.org/webhooks/github', '--org', 'octo-org'],
      env(dir),
    );
    stops.push(run.stop);
    const page = await run.page();
    expect(page).toMatch(/\/\?org=octo-org$/);
    const form = await openSetupPage(page);
    expect(form.action).toMatch(
      new RegExp(`^${standIn.url}/organizations/octo-org/settings/apps/new\\?state=`),
    );
    expect(JSON.parse(form.manifest).hook_attributes.url).toBe(
      'https://ci.example.org/webhooks/github',
    );

    const answer = await followCallback(await submitToGitHub(form), form.cookie);
    const app = manifests.latest()!;
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe(`${app.htmlUrl}/installations/new`);
    expect(await run.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'app-id',
      'app.json',
      'private-key.pem',
      'webhook-secret',
    ]);
    expect(statSync(join(dir, 'private-key.pem')).mode & 0o777).toBe(0o600);
    expect(run.out).toContain(
      `Registered the GitHub App ${app.slug} (id ${app.id}, owner octo-org).`,
    );
    expect(run.out).toContain(`Install it on repositories: ${app.htmlUrl}/installations/new`);
    expect(run.out.join('\n')).not.toContain(app.webhookSecret);
    expect(run.err).toEqual([]);
  });

  it('notes that GitHub cannot reach a local webhook URL', async () => {
    const run = appCreate([], env(join(root, 'two')));
    stops.push(run.stop);
    expect(await registerApp(await run.page())).toMatchObject({ status: 302 });
    expect(await run.code).toBe(0);
    expect(run.out).toContain(
      '(GitHub: ' + standIn.url + "; the App's webhook URL: http://localhost:8082/webhooks/github)",
    );
    expect(run.err).toEqual([
      expect.stringMatching(/^note: GitHub cannot deliver webhooks to a local address/),
    ]);
  });

  it('refuses a wrong state and keeps waiting; stops when asked', async () => {
    const dir = join(root, 'three');
    const run = appCreate([], env(dir));
    stops.push(run.stop);
    const form = await openSetupPage(await run.page());
    const callback = new URL(await submitToGitHub(form));
    callback.searchParams.set('state', 'Z'.repeat(32));
    expect((await followCallback(callback.href, form.cookie)).status).toBe(403);
    run.stop();
    expect(await run.code).toBe(1);
    expect(run.err).toContain('solstice app create: stopped before the App was registered');
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('refuses to overwrite credentials that are there', async () => {
    const dir = join(root, 'four');
    mkdirSync(dir);
    writeFileSync(join(dir, 'webhook-secret'), 's\n');
    const run = appCreate([], env(dir));
    expect(await run.code).toBe(1);
    expect(run.err).toEqual([
      expect.stringMatching(
        new RegExp(`^solstice app create: ${dir} holds GitHub App credentials already`),
      ),
    ]);
  });

  it('names a bad option value', async () => {
    const run = appCreate(['--webhook-url', 'ci.example.org'], env(join(root, 'five')));
    expect(await run.code).toBe(2);
    expect(run.err).toEqual([
      "solstice app create: --webhook-url: expected an http(s) URL, got 'ci.example.org'",
    ]);
  });
});
