import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { holdConnection, requestHead, type HeldConnection } from '@solstice/github-standin/harness';
import { push } from '../../../../test/support/payloads.js';
import { waitFor } from '../../../../test/support/wait.js';
import { deliver, metric, startTestReceiver, type TestReceiver } from './harness.js';

// The limits of issue 13, made small so a test can reach them: what is asserted is the
// behaviour at each limit, never how long anything took (tools/bench probes the defaults).
const BODY_LIMIT = 32 * 1024;
const DECLARED = 30_000;

/** Well-formed but wrong: the receiver has to read the body to find out. */
const BOGUS_SIGNATURE = 'sha256=' + '0'.repeat(64);

const stalledHead = (hook: string, headers: Record<string, string | number> = {}) =>
  requestHead(hook, {
    'content-type': 'application/json',
    'content-length': DECLARED,
    'x-github-event': 'push',
    'x-github-delivery': randomUUID(),
    'x-hub-signature-256': BOGUS_SIGNATURE,
    ...headers,
  });

describe('receiver bounds', () => {
  let t: TestReceiver | undefined;
  const held: HeldConnection[] = [];
  afterEach(async () => {
    for (const c of held.splice(0)) c.socket.destroy();
    await t?.close();
    t = undefined;
  });

  const hold = (head: string, bodyBytes = 0): HeldConnection => {
    const c = holdConnection(t!.hook, head);
    if (bodyBytes > 0) c.socket.write(Buffer.alloc(bodyBytes, 'x'));
    held.push(c);
    return c;
  };

  it('answers 503 with Retry-After once MAX_BUFFERED_BYTES is held by stalled bodies, sheds idle sockets at MAX_CONNECTIONS, and still stores a signed push', async () => {
    t = await startTestReceiver({
      BODY_LIMIT: String(BODY_LIMIT),
      // Room for two stalled bodies and a push, not for a third stalled body.
      MAX_BUFFERED_BYTES: String(2 * DECLARED + 20_000),
      MAX_CONNECTIONS: '12',
      // Long enough that nothing is cut while this test looks.
      HEADERS_TIMEOUT_MS: '60000',
      REQUEST_TIMEOUT_MS: '60000',
    });
    const buffered = () => metric(t!.metricsUrl, 'solstice_receiver_buffered_bytes');

    // Two unsigned bodies (a wrong signature) declare 30,000 bytes, send 10,000 and stall.
    const stalled = [hold(stalledHead(t.hook), 10_000), hold(stalledHead(t.hook), 10_000)];
    await waitFor(async () => (await buffered()) === 2 * DECLARED, 'two bodies held');

    // A third finds no room: 503 at once, before it sent a byte of its body.
    const third = hold(stalledHead(t.hook));
    const refused = await third.answer;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers.connection).toBe('close');
    await third.closed;
    expect(
      await metric(t.metricsUrl, 'solstice_webhooks_received_total', { outcome: 'overloaded' }),
    ).toBe(1);
    expect(await buffered()).toBe(2 * DECLARED);

    // Sockets that connect and send nothing fill MAX_CONNECTIONS (12); past it, a new
    // connection closes the one idle longest (once it has sat idle for a second), and is
    // closed itself while every other is younger than that.
    const idle = Array.from({ length: 10 }, () => hold(''));
    const shed = (closed: string) =>
      metric(t!.metricsUrl, 'solstice_receiver_connections_shed_total', { closed });
    await waitFor(async () => {
      hold('');
      return (await shed('idle')) >= 3;
    }, 'idle sockets shed for new ones');
    await waitFor(() => idle.filter((c) => c.isClosed()).length >= 3, 'the oldest idle closed');
    // Never a request in flight: only connections without one are shed.
    expect(stalled.some((c) => c.isClosed())).toBe(false);

    // A signed push still gets in and is stored, while the stalled bodies are held.
    const res = await deliver(t.hook, { event: 'push', payload: push() });
    expect(res.status).toBe(202);
    expect(await t.events()).toHaveLength(1);
    expect(stalled.some((c) => c.isClosed())).toBe(false);

    const warnings = t.logs.lines().filter((l) => /MAX_CONNECTIONS reached/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
  });

  it('cuts a stalled body at REQUEST_TIMEOUT_MS and an idle socket at HEADERS_TIMEOUT_MS, and gives the bytes back', async () => {
    t = await startTestReceiver({
      BODY_LIMIT: String(BODY_LIMIT),
      MAX_BUFFERED_BYTES: String(BODY_LIMIT),
      HEADERS_TIMEOUT_MS: '300',
      REQUEST_TIMEOUT_MS: '600',
    });
    const stalled = hold(stalledHead(t.hook), 10_000);
    const idle = hold('');
    const cut = await stalled.answer;
    expect(cut.status).toBe(408);
    await stalled.closed;
    await idle.closed;
    // The budget is free again: a body of the same size is taken.
    await waitFor(
      async () => (await metric(t!.metricsUrl, 'solstice_receiver_buffered_bytes')) === 0,
      'bytes given back',
    );
    const res = await deliver(t.hook, { event: 'push', payload: push() });
    expect(res.status).toBe(202);
  });

  it('answers 401 to a request without a signature, and 413 to a declared length over BODY_LIMIT, without reading the body', async () => {
    t = await startTestReceiver({ BODY_LIMIT: String(BODY_LIMIT) });
    // Neither sends a byte of its body: an answer proves none was awaited.
    const unsigned = hold(
      stalledHead(t.hook, { 'x-hub-signature-256': '' }).replace(/x-hub-signature-256: \r\n/, ''),
    );
    const huge = hold(stalledHead(t.hook, { 'content-length': 20 * 1024 * 1024 }));
    expect((await unsigned.answer).status).toBe(401);
    expect((await huge.answer).status).toBe(413);
    await unsigned.closed;
    await huge.closed;
    expect(await t.events()).toEqual([]);
    expect(
      await metric(t.metricsUrl, 'solstice_webhooks_received_total', { outcome: 'unauthorized' }),
    ).toBe(1);
  });

  it('serves /metrics on METRICS_ADDR only; /healthz and /readyz on both ports', async () => {
    t = await startTestReceiver();
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    const text = await (await fetch(`${t.metricsUrl}/metrics`)).text();
    expect(text).toContain('solstice_webhooks_received_total');
    expect(text).toContain('solstice_receiver_connections');
    for (const base of [t.url, t.metricsUrl]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
  });
});
