import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import {
  ConfigReader,
  createGitHubApp,
  createRedis,
  keysFor,
  readGitHubSettings,
  type Redis,
} from '@solstice/shared';
import { createLeanFetch } from '../../src/github/lean-fetch.js';
import {
  CheckRunStore,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '@solstice/github-standin';
import { removeKeys } from '../../../test/support/keys.js';
import { captureLogger } from '../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../test/support/servers.js';

// The fetch octokit's clients use (issue 18): undici's request API over a keep-alive pool.
describe('the lean fetch', () => {
  let server: Server;
  let base = '';
  const sockets = new Set<unknown>();
  const agent = new Agent();
  const fetch = createLeanFetch(agent);

  beforeAll(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket);
      if (req.url === '/moved') {
        res.writeHead(307, { location: '/json' }).end();
      } else if (req.url === '/json') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.setHeader('x-many', ['a', 'b']);
          res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization }));
        });
      } else if (req.url === '/bom') {
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end(Buffer.from('\uFEFFhello', 'utf8'));
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000);
      } else res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await agent.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the method, headers and body, and reads status, headers and JSON', async () => {
    const res = await fetch(`${base}/json`, {
      method: 'POST',
      headers: { authorization: 'token t', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(Object.fromEntries(res.headers)['x-many']).toBe('a, b');
    expect(await res.json()).toEqual({ method: 'POST', body: '{"a":1}', auth: 'token t' });
    await expect(res.text()).rejects.toThrow(/already been read/);
  });

  it('keeps one connection alive across calls', async () => {
    sockets.clear();
    for (let i = 0; i < 10; i++) await (await fetch(`${base}/json`)).text();
    // One a call without keep-alive; a call may open a second while the first is released.
    expect(sockets.size).toBeLessThan(10);
  });

  it('follows a redirect unless told not to', async () => {
    const followed = await fetch(`${base}/moved`, { method: 'PUT', body: 'x' });
    expect(await followed.json()).toMatchObject({ method: 'PUT', body: 'x' });
    const manual = await fetch(`${base}/moved`, { redirect: 'manual' });
    expect(manual.status).toBe(307);
    expect(manual.headers.get('location')).toBe('/json');
    await expect(fetch(`${base}/moved`, { redirect: 'error' })).rejects.toThrow(TypeError);
  });

  it('decodes text as fetch does (a byte order mark dropped), and answers 204 without a body', async () => {
    expect(await (await fetch(`${base}/bom`)).text()).toBe('hello');
    const empty = await fetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it("throws as fetch does: the signal's reason when aborted, a TypeError with the cause when unreachable", async () => {
    const stop = new AbortController();
    const late = fetch(`${base}/slow`, { signal: stop.signal });
    setTimeout(() => stop.abort(), 20);
    await expect(late).rejects.toMatchObject({ name: 'AbortError' });
    const timedOut = fetch(`${base}/slow`, { signal: AbortSignal.timeout(20) });
    await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = (await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)) as TypeError;
    expect(err).toBeInstanceOf(TypeError);
    expect((err.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});

describe('octokit clients on the lean fetch, against the stand-in', () => {
  const key = generateAppKey();
  let standIn: GitHubStandIn;
  let redis: Redis;
  const prefix = uniqueName('lean');
  const keys = keysFor(prefix);

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 42, key, checks: new CheckRunStore() }).start();
    standIn.addInstallation({ id: 7, account: 'octo-org', repos: [] });
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterAll(async () => {
    await standIn.close();
    await removeKeys(prefix, redis);
    await redis.quit();
  });

  const appOn = (apiBase: string, waitInClient = true) =>
    createGitHubApp({
      settings: readGitHubSettings(
        new ConfigReader({
          env: { GITHUB_API_BASE: apiBase, GITHUB_RETRY_BASE_MS: '5', GITHUB_WRITE_MIN_MS: '0' },
        }),
      ),
      app: { appId: 42, privateKey: key },
      redis,
      tokenKey: keys.tokenCache,
      log: captureLogger().log,
      waitInClient,
    });

  it("gives GitHub's answers and refusals as octokit did: data, headers, a RequestError with status and message", async () => {
    const client = appOn(standIn.url).installation(7);
    const { data, status, headers } = await client.rest.checks.create({
      owner: 'octo-org',
      repo: 'widgets',
      name: 'Solstice CI',
      head_sha: 'b'.repeat(40),
      status: 'queued',
    });
    expect(status).toBe(201);
    expect(data).toMatchObject({ name: 'Solstice CI', status: 'queued' });
    expect(headers['content-type']).toMatch(/application\/json/);
    const err = await client.rest.checks
      .update({
        owner: 'octo-org',
        repo: 'widgets',
        check_run_id: 999_999_999,
        status: 'completed',
      })
      .then(
        () => ({ name: 'no error', status: 200, message: '' }),
        (e: unknown) => e as { name: string; status: number; message: string },
      );
    expect(err).toMatchObject({ name: 'HttpError', status: 404 });
    expect(err.message).toMatch(/Not Found/);
  });

  it('retries a 5xx and then succeeds (plugin-retry on the lean fetch)', async () => {
    standIn.fail({ path: /^\/app$/ }, { status: 503, body: { message: 'unavailable' } }, 1);
    const { data } = await appOn(standIn.url).app().request('GET /app');
    expect(data?.id).toBe(42);
  });

  it('turns an unreachable GitHub into a 500 RequestError naming the cause', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const err = await appOn(url, false)
      .app()
      .request('GET /app')
      .then(
        () => ({ status: 200, message: 'answered' }),
        (e: unknown) => e as { status: number; message: string },
      );
    expect(err).toMatchObject({ status: 500 });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});
