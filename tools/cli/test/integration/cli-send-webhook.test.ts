import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { solstice } from '../../../../test/support/cli.js';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as {
  name: string;
  examples: Record<string, unknown>[];
}[];
// A real push payload, written the way GitHub formats it (the signature covers these bytes).
const pushBody = JSON.stringify(examples.find((d) => d.name === 'push')!.examples[0], null, 2);

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let url: string;
let dir: string;
let file: string;
let received: Received[];
let answer: { status: number; body: string };

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const cli = (argv: string[], env: Record<string, string | undefined> = {}) =>
  solstice(argv, env, () => Promise.reject(new Error('send-webhook must not use Redis')));

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/github`;
  dir = await mkdtemp(join(tmpdir(), 'solstice-cli-'));
  file = join(dir, 'push.json');
  await writeFile(file, pushBody);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  answer = { status: 202, body: '{"status":"accepted"}' };
});

describe('solstice send-webhook', () => {
  it('posts the file byte for byte, signed with the secret, with a fresh delivery id', async () => {
    const first = await cli([
      'send-webhook',
      file,
      '--event',
      'push',
      '--url',
      url,
      '--secret',
      's3cret',
    ]);
    const second = await cli([
      'send-webhook',
      file,
      '--event',
      'push',
      '--url',
      url,
      '--secret',
      's3cret',
    ]);

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    // A secret given as a flag shows in ps: it works, with a warning that names the way out.
    expect(first.err).toEqual([
      expect.stringMatching(
        /^solstice send-webhook: warning: --secret is visible .*set GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_FILE instead$/,
      ),
    ]);
    expect(received).toHaveLength(2);
    const [a, b] = received as [Received, Received];
    expect(a.body).toBe(pushBody);
    expect(await verify('s3cret', a.body, String(a.headers['x-hub-signature-256']))).toBe(true);
    expect(a.headers).toMatchObject({
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-hook-id': '1',
    });
    expect(a.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers['x-github-delivery']).not.toBe(a.headers['x-github-delivery']);
    expect(first.out).toEqual([
      `202 Accepted  event=push delivery=${String(a.headers['x-github-delivery'])} hook=1  {"status":"accepted"}`,
    ]);
  });

  it('signs with GITHUB_WEBHOOK_SECRET (the first of a rotation list) when no --secret is given', async () => {
    const { code, err } = await cli(
      [
        'send-webhook',
        file,
        '--event',
        'push',
        '--url',
        url,
        '--delivery',
        'fixed-id',
        '--hook-id',
        '77',
      ],
      { GITHUB_WEBHOOK_SECRET: 'new-secret,old-secret' },
    );
    expect(code).toBe(0);
    expect(err).toEqual([]);
    const r = received[0]!;
    expect(await verify('new-secret', r.body, String(r.headers['x-hub-signature-256']))).toBe(true);
    expect(r.headers).toMatchObject({ 'x-github-delivery': 'fixed-id', 'x-github-hook-id': '77' });
  });

  it('signs with the secret in GITHUB_WEBHOOK_SECRET_FILE, as the receiver reads it', async () => {
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, 'file-secret\n');
    const { code } = await cli(['send-webhook', file, '--event', 'push', '--url', url], {
      GITHUB_WEBHOOK_SECRET_FILE: secretFile,
    });
    expect(code).toBe(0);
    const r = received[0]!;
    expect(await verify('file-secret', r.body, String(r.headers['x-hub-signature-256']))).toBe(
      true,
    );
  });

  it('sends unsigned, and says so, without any secret', async () => {
    const { code, out } = await cli(['send-webhook', file, '--event', 'ping', '--url', url]);
    expect(code).toBe(0);
    expect(received[0]!.headers['x-hub-signature-256']).toBeUndefined();
    expect(out[0]).toContain('(unsigned: no secret given)');
  });

  it('prints the status and exits 1 when the receiver refuses', async () => {
    answer = { status: 401, body: '{"error":"signature does not match"}' };
    const { code, out } = await cli([
      'send-webhook',
      file,
      '--event',
      'push',
      '--url',
      url,
      '--secret',
      'x',
    ]);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^401 Unauthorized .*signature does not match/);
  });

  it('says in one line when the receiver is not reachable, or the file is not JSON', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}/x`;
    const down = await cli(['send-webhook', file, '--event', 'push', '--url', closed]);
    expect(down.code).toBe(1);
    expect(down.err).toEqual([
      `solstice send-webhook: cannot reach the receiver at ${closed} (ECONNREFUSED): start it (npm start, or docker compose up -d receiver) or give --url`,
    ]);
    const notJson = join(dir, 'bad.json');
    await writeFile(notJson, 'not json');
    const bad = await cli(['send-webhook', notJson, '--event', 'push', '--url', url]);
    expect(bad).toMatchObject({ code: 1, err: [expect.stringMatching(/is not JSON/)] });
    const noEvent = await cli(['send-webhook', file, '--url', url]);
    expect(noEvent).toMatchObject({ code: 2, err: [expect.stringMatching(/needs --event/)] });
    expect(received).toHaveLength(0);
  });
});
