import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/support/wait.js';
import { push } from '../../../../test/support/payloads.js';
import { deliver, SECRET, startTestReceiver } from './harness.js';

describe('receiver lifecycle', () => {
  it('stores concurrent copies of one delivery exactly once', async () => {
    const t = await startTestReceiver();
    try {
      const body = JSON.stringify(push());
      const delivery = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => deliver(t.hook, { event: 'push', body, delivery })),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([...Array(19).fill(200), 202]);
      expect(await t.events()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('survives a client that hangs up halfway through the body', async () => {
    const t = await startTestReceiver();
    try {
      const delivery = randomUUID();
      const req = request(t.hook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': 10_000,
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          // Well-formed, so the receiver reads the body to check it.
          'x-hub-signature-256': 'sha256=' + '0'.repeat(64),
        },
      });
      req.on('error', () => {});
      t.receiver.server.once('request', () => setImmediate(() => req.destroy()));
      req.write('{"ref":');
      await waitFor(
        () => t.logs.lines().find((l) => l.delivery === delivery),
        'the log line of the aborted delivery',
      );
      expect(t.logs.lines().find((l) => l.delivery === delivery)).toMatchObject({
        outcome: 'bad_request',
        status: 400,
      });
      expect((await deliver(t.hook, { event: 'push', payload: push() })).status).toBe(202);
      expect(await t.events()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('on close stops accepting, finishes the request in flight, then closes Redis', async () => {
    const t = await startTestReceiver();
    try {
      const body = Buffer.from(JSON.stringify(push()));
      const half = body.length >> 1;
      let closing: Promise<unknown> | undefined;
      const started = new Promise<void>((resolve) =>
        t.receiver.server.once('request', () => resolve()),
      );
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(t.hook, {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'x-github-event': 'push',
            'x-github-delivery': randomUUID(),
            'x-hub-signature-256': '',
          },
        });
        sign(SECRET, body.toString()).then((signature) => {
          req.setHeader('x-hub-signature-256', signature);
          req.write(body.subarray(0, half));
        }, reject);
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        void started.then(() => {
          closing = t.receiver.close();
          // The rest of the body arrives after close() began.
          setImmediate(() => req.end(body.subarray(half)));
        });
      });
      const answer = await response;
      expect(answer.status).toBe(202);
      // close() began before the body was complete, and waited for the answer.
      expect(closing).toBeDefined();
      await closing;
      expect(t.receiver.server.listening).toBe(false);
      await waitFor(() => t.receiver.redis.status === 'end', 'redis connection ended');
      await expect(deliver(t.hook, { event: 'push', payload: push() })).rejects.toThrow();
      expect(await t.events()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
