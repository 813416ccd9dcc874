import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { createGitHubApp, createRedis, type GitHubClient, type Redis } from '@solstice/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
  WebhookSender,
} from '../../src/index.js';
import { captureLogger } from '../../../../test/support/log.js';
import { redisUrl } from '../../../../test/support/servers.js';
import { push } from '../../../../test/support/payloads.js';

const APP_ID = 515;
const SECRET = 'standin-secret';

describe('GitHub stand-in: the App webhook sender and its deliveries API', () => {
  const key = generateAppKey();
  let sender: WebhookSender;
  let standIn: GitHubStandIn;
  let redis: Redis;
  let app: GitHubClient;
  let hook: Server;
  let hookUrl = '';
  let received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let answer = 202;

  beforeAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- a test's server: a throw in it is an unhandled rejection, which fails the run
    hook = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(answer).end();
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    redis = createRedis(redisUrl(), { role: 'worker' });
  });

  beforeEach(async () => {
    await standIn?.close();
    sender = new WebhookSender({ appId: APP_ID });
    standIn = await createStandIn({ appId: APP_ID, key, sender }).start();
    app = createGitHubApp({
      settings: {
        apiBase: standIn.url,
        app: undefined,
        retryBaseMs: 5,
        writeMinMs: 0,
        maxWaitMs: 10_000,
      },
      app: { appId: APP_ID, privateKey: key },
      redis,
      tokenKey: (k) => `standin-test:${k}`,
      log: captureLogger().log,
    }).app();
    received = [];
    answer = 202;
  });

  afterAll(async () => {
    await standIn?.close();
    await new Promise((r) => hook.close(r));
    await redis.quit();
  });

  const send = () =>
    sender.sendWebhook({
      url: hookUrl,
      secret: SECRET,
      event: 'push',
      payload: push(),
      hookId: 31,
    });

  it('sends a webhook as GitHub does: signed raw body and the delivery headers', async () => {
    const d = await send();
    const [{ headers, body }] = received as [(typeof received)[0]];
    expect(await verify(SECRET, body, String(headers['x-hub-signature-256']))).toBe(true);
    expect(headers).toMatchObject({
      'x-github-event': 'push',
      'x-github-delivery': d.guid,
      'x-github-hook-id': '31',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(APP_ID),
      'content-type': 'application/json',
    });
    expect(d).toMatchObject({ status: 'OK', status_code: 202, redelivery: false, event: 'push' });
  });

  it('records a receiver that is not listening as status 0, "connection refused"', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const d = await sender.sendWebhook({
      url: `http://127.0.0.1:${port}/hook`,
      event: 'ping',
      payload: { zen: 'Keep it logically awesome.' },
      hookId: 31,
    });
    expect(d).toMatchObject({ status_code: 0, status: 'connection refused' });
  });

  it('records an error answer as "Invalid HTTP Response: <code>"', async () => {
    answer = 503;
    expect(await send()).toMatchObject({ status_code: 503, status: 'Invalid HTTP Response: 503' });
  });

  it('lists deliveries newest first, per_page at most 100, paged by a Link rel="next" cursor', async () => {
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await send());
    const first = await app.request('GET /app/hook/deliveries', { per_page: 2 });
    expect(first.data.map((d) => d.guid)).toEqual([sent[4]!.guid, sent[3]!.guid]);
    expect(first.headers.link).toBe(
      `<${standIn.url}/app/hook/deliveries?per_page=2&cursor=v1_${sent[3]!.id}>; rel="next"`,
    );
    expect(Object.keys(first.data[0]!).sort()).toEqual(
      [
        'action',
        'delivered_at',
        'duration',
        'event',
        'guid',
        'id',
        'installation_id',
        'redelivery',
        'repository_id',
        'status',
        'status_code',
        'throttled_at',
      ].sort(),
    );
    const all = await app.paginate('GET /app/hook/deliveries', { per_page: 2 });
    expect(all.map((d) => d.guid)).toEqual(sent.map((d) => d.guid).reverse());
    const capped = await app.request('GET /app/hook/deliveries', { per_page: 500 });
    expect(capped.data).toHaveLength(5);
    expect(capped.headers.link).toBeUndefined();
  });

  it('gives one delivery with its request headers and payload, and 404 for an unknown id', async () => {
    const d = await send();
    const { data } = await app.request('GET /app/hook/deliveries/{delivery_id}', {
      delivery_id: d.id,
    });
    expect(data.request.headers).toMatchObject({
      'X-GitHub-Hook-ID': '31',
      'X-GitHub-Delivery': d.guid,
    });
    expect(data.request.payload).toEqual(push());
    await expect(
      app.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: 1 }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('redelivers on POST …/attempts: 202, the same GUID and body, a new item marked redelivery', async () => {
    answer = 500;
    const d = await send();
    answer = 202;
    const res = await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', {
      delivery_id: d.id,
    });
    expect(res.status).toBe(202);
    await sender.settled();
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['x-github-delivery']).toBe(d.guid);
    expect(received[1]!.body).toBe(received[0]!.body);
    const [again] = sender.deliveries();
    expect(again).toMatchObject({ guid: d.guid, redelivery: true, status_code: 202 });
    expect(again!.id).toBeGreaterThan(d.id);
  });

  it('asks for the App JWT: an installation token or nothing is refused', async () => {
    const anonymous = await fetch(`${standIn.url}/app/hook/deliveries`);
    expect(anonymous.status).toBe(401);
    standIn.addInstallation({ id: 9, account: 'octo-org', repos: [] });
    const { token } = standIn.mintToken(9);
    const withToken = await fetch(`${standIn.url}/app/hook/deliveries`, {
      headers: { authorization: `token ${token}` },
    });
    expect(withToken.status).toBe(401);
  });
});
