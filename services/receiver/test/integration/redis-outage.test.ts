import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../../../../test/support/servers.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import { waitFor } from '../../../../test/support/wait.js';
import { push } from '../../../../test/support/payloads.js';
import { deliver, startTestReceiver, type TestReceiver } from './harness.js';

describe('receiver while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let t: TestReceiver;
  beforeAll(async () => {
    const target = new URL(redisUrl());
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    t = await startTestReceiver({}, { redisUrl: proxy.urlFor(redisUrl()) });
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
  });

  it('answers 503 while Redis is cut off, and stores the redelivery once it is back', async () => {
    const body = JSON.stringify(push());
    expect((await deliver(t.hook, { event: 'push', body })).status).toBe(202);

    proxy.pause();
    const refused = await deliver(t.hook, { event: 'push', body });
    expect(refused.status).toBe(503);
    expect(refused.json).toEqual({ error: expect.stringMatching(/unavailable/) });
    expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(t.logs.lines().find((l) => l.delivery === refused.delivery)).toMatchObject({
      outcome: 'unavailable',
      status: 503,
    });

    proxy.resume();
    await waitFor(async () => (await fetch(`${t.url}/readyz`)).ok, 'ready again', 20_000);
    // GitHub does not retry by itself; an operator (or the sweep) redelivers the failed one.
    const redelivered = await deliver(t.hook, {
      event: 'push',
      body,
      delivery: refused.delivery,
    });
    expect(redelivered.status).toBe(202);
    const fresh = await deliver(t.hook, { event: 'push', body, delivery: randomUUID() });
    expect(fresh.status).toBe(202);
    const deliveries = (await t.events()).map((e) => e.fields.delivery);
    expect(deliveries).toHaveLength(3);
    expect(deliveries).toContain(refused.delivery);
    expect(t.logs.lines().map((l) => l.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^redis connection lost/), 'redis connected']),
    );
  });
});
