import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdConnection, requestHead, type HeldConnection } from '@solstice/github-standin/harness';
import {
  AppManifests,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '@solstice/github-standin';
import { createRedis, keysFor, type Redis } from '@solstice/shared';
import { followCallback, openSetupPage, submitToGitHub } from '../../../../test/support/browser.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { captureLogger } from '../../../../test/support/log.js';
import { push } from '../../../../test/support/payloads.js';
import { redisUrl, uniqueName } from '../../../../test/support/servers.js';
import { waitFor } from '../../../../test/support/wait.js';
import { readReceiverConfig } from '../../src/config.js';
import { openReceiverRedis, startReceiver, type Receiver } from '../../src/start-receiver.js';
import { metric } from './harness.js';

describe('the receiver in the setup state, registering the App from its page', () => {
  let standIn: GitHubStandIn;
  let manifests: AppManifests;
  let receiver: Receiver;
  let redis: Redis;
  let dir: string;
  let prefix: string;
  let logs: ReturnType<typeof captureLogger>;

  beforeEach(async () => {
    manifests = new AppManifests();
    standIn = await createStandIn({ appId: 1, key: generateAppKey(), manifests }).start();
    dir = join(mkdtempSync(join(tmpdir(), 'solstice-setup-')), 'credentials');
    prefix = uniqueName('setup');
    await startWith();
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  /** Starts the receiver in the setup state, with `env` added to its settings. */
  const startWith = async (env: Record<string, string> = {}) => {
    const source = {
      env: {
        NODE_ENV: 'production',
        HTTP_ADDR: '127.0.0.1:0',
        METRICS_ADDR: '127.0.0.1:0',
        REDIS_URL: redisUrl(),
        STREAM_PREFIX: prefix,
        CREDENTIALS_DIR: dir,
        GITHUB_API_BASE: standIn.url,
        ...env,
      },
    };
    const config = readReceiverConfig(source);
    logs = captureLogger('receiver', 'info');
    receiver = await startReceiver(config, openReceiverRedis(config.redisUrl, logs.log), logs.log, {
      reread: () => readReceiverConfig(source),
      pollMs: 50,
    });
    // The page keeps its state in Redis, over the receiver's fail-fast connection.
    await waitFor(() => receiver.redis.status === 'ready', "the receiver's Redis connection");
  };
  afterEach(async () => {
    await receiver.close();
    await standIn.close();
    await removeKeys(prefix, redis);
    await redis.quit();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  const signedPush = async (secret: string) => {
    const body = JSON.stringify(push());
    return fetch(`${receiver.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': await sign(secret, body),
      },
      body,
    });
  };

  it('refuses webhooks (503) and is not ready, but healthy, and says so in one line', async () => {
    expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${receiver.url}/readyz`)).status).toBe(503);
    // The ops server (METRICS_ADDR) says the same: probes there leave it up but give it no work.
    expect((await fetch(`${receiver.metricsUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${receiver.metricsUrl}/readyz`)).status).toBe(503);
    expect((await signedPush('anything')).status).toBe(503);
    expect(await redis.exists(keysFor(prefix).events)).toBe(0);
    const setupLines = logs.lines().filter((l) => String(l.msg).startsWith('setup:'));
    expect(setupLines).toHaveLength(1);
    expect(setupLines[0]!.msg).toContain(`CREDENTIALS_DIR=${dir}`);
  });

  it('registers through GitHub, stores the credentials, and takes signed webhooks from then on', async () => {
    const form = await openSetupPage(`${receiver.url}/`);
    expect(form.action).toMatch(
      new RegExp(`^${standIn.url}/settings/apps/new\\?state=[\\w-]{32}$`),
    );
    const manifest = JSON.parse(form.manifest) as Record<string, any>;
    expect(manifest.hook_attributes.url).toBe(
      `${receiver.url.replace('127.0.0.1', '127.0.0.1')}/webhooks/github`,
    );
    expect(manifest.redirect_url).toBe(`${receiver.url}/setup/callback`);
    expect(manifest.default_permissions).toEqual({
      checks: 'write',
      contents: 'read',
      metadata: 'read',
      pull_requests: 'read',
    });

    const answer = await followCallback(await submitToGitHub(form), form.cookie);
    expect(answer.status).toBe(302);
    const app = manifests.latest()!;
    expect(answer.headers.get('location')).toBe(`${app.htmlUrl}/installations/new`);

    // The files, readable by this user only, and no client secret among them.
    expect(readdirSync(dir).sort()).toEqual([
      'app-id',
      'app.json',
      'private-key.pem',
      'webhook-secret',
    ]);
    for (const f of ['app-id', 'private-key.pem', 'webhook-secret'])
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    expect(readFileSync(join(dir, 'app-id'), 'utf8').trim()).toBe(String(app.id));
    expect(readFileSync(join(dir, 'private-key.pem'), 'utf8')).toBe(app.pem);
    expect(readFileSync(join(dir, 'webhook-secret'), 'utf8').trim()).toBe(app.webhookSecret);
    expect(JSON.parse(readFileSync(join(dir, 'app.json'), 'utf8'))).toEqual({
      id: app.id,
      slug: app.slug,
      name: app.name,
      html_url: app.htmlUrl,
      owner: 'octocat',
      client_id: app.clientId,
    });

    // Configured without a restart: the same server now checks signatures.
    expect((await receiver.settled)?.webhookSecrets).toEqual([app.webhookSecret]);
    expect((await fetch(`${receiver.url}/readyz`)).status).toBe(200);
    expect((await signedPush(app.webhookSecret)).status).toBe(202);
    expect((await signedPush('a-wrong-secret')).status).toBe(401);
    // The page is gone, and so is the callback; nothing secret is shown.
    const home = await fetch(`${receiver.url}/`);
    expect(await home.text()).toMatch(/^Solstice receiver: configured\./);
    expect((await fetch(`${receiver.url}/setup/callback?code=x&state=y`)).status).toBe(404);
    const text = logs.text();
    for (const secret of [app.webhookSecret, app.pem.split('\n')[1]!])
      expect(text).not.toContain(secret);
  });

  it('refuses a callback whose state it did not hand out to this browser, and converts nothing', async () => {
    const form = await openSetupPage(`${receiver.url}/`);
    const callback = new URL(await submitToGitHub(form));
    const again = await openSetupPage(`${receiver.url}/`, form.cookie);
    expect(again.cookie).toBe(form.cookie); // the same browser keeps its state
    expect((await openSetupPage(`${receiver.url}/`)).cookie).not.toBe(form.cookie);

    const forged = new URL(callback);
    forged.searchParams.set('state', 'A'.repeat(32));
    expect((await followCallback(forged.href, form.cookie)).status).toBe(403);
    // The right state from a browser without the cookie (a link sent to someone else).
    expect((await followCallback(callback.href, undefined)).status).toBe(403);
    expect(
      (await followCallback(callback.href, 'solstice_setup_state=' + 'B'.repeat(32))).status,
    ).toBe(403);
    expect(standIn.callsTo('POST', /^\/app-manifests\//)).toHaveLength(0);
    expect(readdirSync(join(dir, '..'))).toEqual([]); // CREDENTIALS_DIR not even created

    // The real one still works once, and not twice.
    expect((await followCallback(callback.href, form.cookie)).status).toBe(302);
    expect((await followCallback(callback.href, form.cookie)).status).toBe(404);
  });

  it('says so when GitHub does not take the code, and stays in the setup state', async () => {
    const form = await openSetupPage(`${receiver.url}/`);
    const callback = new URL(await submitToGitHub(form));
    callback.searchParams.set('code', 'f'.repeat(40));
    const answer = await followCallback(callback.href, form.cookie);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('a code works once and for one hour');
    expect((await fetch(`${receiver.url}/readyz`)).status).toBe(503);
  });

  it('picks up credentials another process wrote (a second copy, the CLI, or by hand)', async () => {
    mkdirSync(dir);
    writeFileSync(join(dir, 'webhook-secret'), 'by-hand-secret\n', { mode: 0o600 });
    await waitFor(async () => (await fetch(`${receiver.url}/readyz`)).ok, 'ready');
    expect((await fetch(`${receiver.metricsUrl}/readyz`)).status).toBe(200);
    expect((await signedPush('by-hand-secret')).status).toBe(202);
    expect((await fetch(`${receiver.url}/`)).status).toBe(200);
    expect(
      logs.lines().filter((l) => String(l.msg).startsWith('setup: webhook secret found')),
    ).toHaveLength(1);
  });

  describe('in the setup state, under the receiver bounds', () => {
    const held: HeldConnection[] = [];
    afterEach(() => {
      for (const c of held.splice(0)) c.socket.destroy();
    });
    const hold = (head: string): HeldConnection => {
      const c = holdConnection(receiver.url, head);
      held.push(c);
      return c;
    };
    const host = () => new URL(receiver.url).host;

    it('answers a webhook 503 and a page request declaring a body over BODY_LIMIT 413 from their headers alone', async () => {
      await receiver.close();
      await startWith({ BODY_LIMIT: String(32 * 1024) });
      // Neither sends a byte of its body: an answer proves none was awaited.
      const webhook = hold(
        requestHead(`${receiver.url}/webhooks/github`, {
          'content-type': 'application/json',
          'content-length': 30_000,
          'x-github-event': 'push',
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': 'sha256=' + '0'.repeat(64),
        }),
      );
      const page = hold(`GET / HTTP/1.1\r\nhost: ${host()}\r\ncontent-length: 20971520\r\n\r\n`);
      const refused = await webhook.answer;
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.headers.connection).toBe('close');
      expect((await page.answer).status).toBe(413);
      await webhook.closed;
      await page.closed;
      expect(await redis.exists(keysFor(prefix).events)).toBe(0);
      expect(standIn.callsTo('POST', /^\/app-manifests\//)).toHaveLength(0);
    });

    it('sheds idle sockets at MAX_CONNECTIONS so the page still answers', async () => {
      await receiver.close();
      await startWith({ MAX_CONNECTIONS: '6' });
      const idle = Array.from({ length: 6 }, () => hold(''));
      // Once the idle sockets have sat a second, a new connection closes the one idle longest.
      await waitFor(async () => {
        const page = hold(`GET / HTTP/1.1\r\nhost: ${host()}\r\nconnection: close\r\n\r\n`);
        const answered = await Promise.race([page.answer, page.closed]);
        return answered !== undefined && answered.status === 200;
      }, 'the setup page answered past MAX_CONNECTIONS');
      expect(idle.some((c) => c.isClosed())).toBe(true);
      expect(
        await metric(receiver.metricsUrl, 'solstice_receiver_connections_shed_total', {
          closed: 'idle',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('cuts a callback whose headers stall at HEADERS_TIMEOUT_MS', async () => {
      await receiver.close();
      await startWith({ HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '600' });
      const stalled = hold(`GET /setup/callback?code=x&state=y HTTP/1.1\r\nhost: ${host()}\r\n`);
      await stalled.closed;
      expect(standIn.callsTo('POST', /^\/app-manifests\//)).toHaveLength(0);
    });
  });
});
