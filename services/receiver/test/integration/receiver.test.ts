import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { payloadOf, rawEventFromFields } from '@solstice/shared';
import {
  branchDeletion,
  example,
  ping,
  push,
  withAction,
} from '../../../../test/support/payloads.js';
import { deliver, metric, SECRET, startTestReceiver, type TestReceiver } from './harness.js';

describe('receiver: POST /webhooks/github against real Redis', () => {
  let t: TestReceiver;
  beforeAll(async () => {
    t = await startTestReceiver({ BODY_LIMIT: String(64 * 1024), DEDUPE_TTL_SECONDS: '3600' });
  });
  afterEach(async () => {
    await t.redis.del(t.keys.events);
  });
  afterAll(() => t.close());

  it('stores a push with every RawEvent field, the body byte-identical, and answers 202', async () => {
    // Pretty-printed with non-ASCII text: any re-serialisation would change the bytes.
    const payload = push();
    payload.head_commit.message = 'Fix the café 🚀\r\n\ttabs and "quotes"';
    const body = JSON.stringify(payload, null, 2) + '\n';
    const before = Date.now();
    const res = await deliver(t.hook, { event: 'push', body, hookId: '77' });

    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'stored', delivery: res.delivery });
    const [entry, ...more] = await t.events();
    expect(more).toEqual([]);
    expect(res.json!.entry_id).toBe(entry!.id);
    expect(Object.keys(entry!.fields)).toEqual([
      'delivery',
      'hook_id',
      'event',
      'content_type',
      'body',
      'installation_target_type',
      'installation_target_id',
      'received_at',
    ]);
    expect(entry!.fields).toMatchObject({
      delivery: res.delivery,
      hook_id: '77',
      event: 'push',
      content_type: 'application/json',
      body,
      installation_target_type: 'integration',
      installation_target_id: '4242',
    });
    const receivedAt = Date.parse(entry!.fields.received_at!);
    expect(receivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(entry!.fields.received_at).toBe(new Date(receivedAt).toISOString());
    // Byte for byte, as Redis holds it.
    const stored = await t.redis.xrangeBuffer(t.keys.events, entry!.id, entry!.id);
    const fields = stored[0]![1];
    expect(fields[fields.findIndex((f) => f.toString() === 'body') + 1]).toEqual(Buffer.from(body));
    // The dedupe key maps the delivery to its entry (for replay) and expires.
    expect(await t.redis.get(t.keys.delivery('77', res.delivery))).toBe(entry!.id);
    const ttl = await t.redis.ttl(t.keys.delivery('77', res.delivery));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('answers 204 to a branch deletion and stores nothing', async () => {
    const res = await deliver(t.hook, { event: 'push', payload: branchDeletion() });
    expect(res.status).toBe(204);
    expect(await t.events()).toEqual([]);
    expect(await t.redis.exists(t.keys.delivery('1001', res.delivery))).toBe(0);
  });

  it('stores pull_request opened, synchronize and reopened, and answers closed 204', async () => {
    const statuses: Record<string, number> = {};
    for (const action of ['opened', 'synchronize', 'reopened', 'closed']) {
      const res = await deliver(t.hook, {
        event: 'pull_request',
        payload: withAction('pull_request', action),
      });
      statuses[action] = res.status;
    }
    expect(statuses).toEqual({ opened: 202, synchronize: 202, reopened: 202, closed: 204 });
    const stored = (await t.events()).map((e) => JSON.parse(e.fields.body!).action);
    expect(stored).toEqual(['opened', 'synchronize', 'reopened']);
  });

  it('answers a ping 200, marks it delivered and adds nothing to the stream', async () => {
    const res = await deliver(t.hook, { event: 'ping', payload: ping(), hookId: '9' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'pong' });
    expect(await t.events()).toEqual([]);
    expect(await t.redis.get(t.keys.delivery('9', res.delivery))).toBe('ping');
  });

  it('answers a second delivery of the same (hook id, delivery) 200 and stores it once', async () => {
    const body = JSON.stringify(push());
    const first = await deliver(t.hook, { event: 'push', body, hookId: '5' });
    const again = await deliver(t.hook, {
      event: 'push',
      body,
      hookId: '5',
      delivery: first.delivery,
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: 'duplicate', entry_id: first.json!.entry_id });
    expect(await t.events()).toHaveLength(1);
  });

  it('stores the same delivery GUID twice when it comes to two hooks', async () => {
    const body = JSON.stringify(push());
    const delivery = randomUUID();
    const a = await deliver(t.hook, { event: 'push', body, hookId: '11', delivery });
    const b = await deliver(t.hook, { event: 'push', body, hookId: '12', delivery });
    expect([a.status, b.status]).toEqual([202, 202]);
    const events = await t.events();
    expect(events.map((e) => [e.fields.delivery, e.fields.hook_id])).toEqual([
      [delivery, '11'],
      [delivery, '12'],
    ]);
  });

  it("uses hook id '0' when X-GitHub-Hook-ID is absent", async () => {
    const res = await deliver(t.hook, { event: 'push', payload: push(), hookId: null });
    expect(res.status).toBe(202);
    expect((await t.events())[0]!.fields.hook_id).toBe('0');
    expect(await t.redis.get(t.keys.delivery('0', res.delivery))).toBe(res.json!.entry_id);
  });

  it('stores a form-encoded delivery as sent; its payload reads back', async () => {
    const payload = withAction('pull_request', 'opened');
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await deliver(t.hook, {
      event: 'pull_request',
      body,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(202);
    const [entry] = await t.events();
    expect(entry!.fields.content_type).toBe('application/x-www-form-urlencoded');
    expect(entry!.fields.body).toBe(body);
    expect(payloadOf(rawEventFromFields(entry!.fields))).toEqual(payload);
  });

  it('takes check_suite rerequested and check_run rerequested, not check_suite requested', async () => {
    const suite = await deliver(t.hook, {
      event: 'check_suite',
      payload: withAction('check_suite', 'rerequested'),
    });
    const run = await deliver(t.hook, {
      event: 'check_run',
      payload: withAction('check_run', 'rerequested'),
    });
    const requested = await deliver(t.hook, {
      event: 'check_suite',
      payload: withAction('check_suite', 'requested'),
    });
    const other = await deliver(t.hook, { event: 'issues', payload: example('issues') });
    expect([suite.status, run.status, requested.status, other.status]).toEqual([
      202, 202, 204, 204,
    ]);
    expect((await t.events()).map((e) => e.fields.event)).toEqual(['check_suite', 'check_run']);
  });

  it('answers 401 to a missing or wrong signature, stores nothing, counts and logs it without the signature', async () => {
    const failuresBefore = await metric(t.metricsUrl, 'solstice_webhook_signature_failures_total');
    const missing = await deliver(t.hook, { event: 'push', payload: push(), secret: null });
    const wrong = await deliver(t.hook, { event: 'push', payload: push(), secret: 'guess' });
    const tampered = await deliver(t.hook, {
      event: 'push',
      body: JSON.stringify(push()),
      headers: { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
    });
    expect([missing.status, wrong.status, tampered.status]).toEqual([401, 401, 401]);
    expect(missing.json).toEqual({ error: expect.stringMatching(/X-Hub-Signature-256/) });
    expect(await t.events()).toEqual([]);
    expect(await t.redis.exists(t.keys.delivery('1001', wrong.delivery))).toBe(0);
    expect(await metric(t.metricsUrl, 'solstice_webhook_signature_failures_total')).toBe(
      failuresBefore + 3,
    );
    expect(
      await metric(t.metricsUrl, 'solstice_webhooks_received_total', {
        event: 'unverified',
        outcome: 'unauthorized',
      }),
    ).toBeGreaterThanOrEqual(3);
    const line = t.logs.lines().find((l) => l.delivery === wrong.delivery);
    expect(line).toMatchObject({ level: 40, status: 401, outcome: 'unauthorized' });
    expect(t.logs.text()).not.toContain(wrong.signature!.slice('sha256='.length));
  });

  it('answers 413 to a body over BODY_LIMIT and stores nothing', async () => {
    const payload = push();
    payload.head_commit.message = 'x'.repeat(70 * 1024);
    const res = await deliver(t.hook, { event: 'push', payload });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: expect.any(String) });
    expect(await t.events()).toEqual([]);
  });

  it('answers 413 to a body streamed without a length once it passes BODY_LIMIT', async () => {
    const payload = push();
    payload.head_commit.message = 'x'.repeat(70 * 1024);
    const text = JSON.stringify(payload);
    // A stream body is sent chunked: the size is only known while reading.
    const body = new ReadableStream({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
        controller.close();
      },
    });
    const res = await fetch(t.hook, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': await sign(SECRET, text),
      },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await t.events()).toEqual([]);
  });

  it('answers 415 to a compressed body (the signature covers the bytes as sent)', async () => {
    const res = await deliver(t.hook, {
      event: 'push',
      body: gzipSync(JSON.stringify(push())).toString('latin1'),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(415);
    expect(await t.events()).toEqual([]);
  });

  it('answers 400 to a signed body that is not JSON, naming the problem', async () => {
    const res = await deliver(t.hook, { event: 'push', body: '{"ref": "refs/heads/main",' });
    expect(res.status).toBe(400);
    expect(res.json!.error).toMatch(/^payload is not JSON/);
    expect(await t.events()).toEqual([]);
  });

  it('answers 400 when X-GitHub-Event is missing', async () => {
    const noEvent = await deliver(t.hook, {
      event: 'push',
      payload: push(),
      headers: { 'x-github-event': '' },
    });
    expect(noEvent).toMatchObject({
      status: 400,
      json: { error: 'X-GitHub-Event header is missing' },
    });
    expect(await t.events()).toEqual([]);
  });

  it('stores a signed delivery without X-GitHub-Delivery under a generated id, marked, twice when sent twice', async () => {
    const body = JSON.stringify(push());
    const send = () =>
      deliver(t.hook, { event: 'push', body, headers: { 'x-github-delivery': '' } });
    const [first, second] = [await send(), await send()];
    for (const res of [first, second]) {
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ status: 'stored', delivery_generated: 'true' });
      expect(res.json!.delivery).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
    expect(first.json!.delivery).not.toBe(second.json!.delivery);
    // Not deduplicated: both stored, neither with a dedupe mark.
    const events = await t.events();
    expect(events.map((e) => e.fields.delivery)).toEqual([
      first.json!.delivery,
      second.json!.delivery,
    ]);
    for (const e of events) {
      expect(e.fields).toMatchObject({ delivery_generated: '1', event: 'push', body });
      expect(rawEventFromFields(e.fields).delivery_generated).toBe('1');
      expect(await t.redis.exists(t.keys.delivery('1001', e.fields.delivery!))).toBe(0);
    }
    const line = t.logs.lines().find((l) => l.delivery === first.json!.delivery);
    expect(line).toMatchObject({ outcome: 'stored', status: 202, deliveryGenerated: true });
  });

  it('still requires the signature of a delivery without X-GitHub-Delivery', async () => {
    const res = await deliver(t.hook, {
      event: 'push',
      payload: push(),
      secret: 'guess',
      headers: { 'x-github-delivery': '' },
    });
    expect(res.status).toBe(401);
    expect(await t.events()).toEqual([]);
  });

  it('answers 415 to a signed body of another content type', async () => {
    const res = await deliver(t.hook, {
      event: 'push',
      payload: push(),
      contentType: 'text/plain',
    });
    expect(res.status).toBe(415);
    expect(await t.events()).toEqual([]);
  });

  it('logs one info line per delivery with delivery, event, action, outcome and status', async () => {
    const res = await deliver(t.hook, {
      event: 'pull_request',
      payload: withAction('pull_request', 'closed'),
    });
    const lines = t.logs.lines().filter((l) => l.delivery === res.delivery);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        delivery: res.delivery,
        event: 'pull_request',
        action: 'closed',
        outcome: 'ignored',
        status: 204,
      }),
    ]);
    expect(t.logs.text()).not.toContain(SECRET);
  });

  it('counts deliveries by event and outcome on /metrics', async () => {
    const before = await metric(t.metricsUrl, 'solstice_webhooks_received_total', {
      event: 'push',
      outcome: 'stored',
    });
    await deliver(t.hook, { event: 'push', payload: push() });
    expect(
      await metric(t.metricsUrl, 'solstice_webhooks_received_total', {
        event: 'push',
        outcome: 'stored',
      }),
    ).toBe(before + 1);
  });

  it('answers /healthz and /readyz 200, 405 to another method on the webhook path, 404 elsewhere', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const get = await fetch(t.hook);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${t.url}/elsewhere`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${t.hook}/`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

describe('receiver configuration at work', () => {
  it('drops a repository outside ALLOWED_OWNERS with 202 and a log line, and stores one inside', async () => {
    const t = await startTestReceiver({
      ALLOWED_OWNERS: 'someone-else',
      ALLOWED_REPOS: 'Codertocat/Hello-*',
    });
    try {
      const outside = push();
      outside.repository.full_name = 'octo-org/widgets';
      outside.repository.owner.login = 'octo-org';
      const dropped = await deliver(t.hook, { event: 'push', payload: outside });
      expect(dropped.status).toBe(202);
      expect(dropped.json).toMatchObject({ status: 'dropped' });
      expect(await t.events()).toEqual([]);
      // Marked, so the sweep can tell a 202 the store lost (no mark) from a dropped one.
      expect(await t.redis.get(t.keys.delivery('1001', dropped.delivery))).toBe('dropped');
      expect(t.logs.lines().find((l) => l.delivery === dropped.delivery)).toMatchObject({
        outcome: 'dropped',
        reason: 'repository not allowed',
      });

      const inside = push();
      expect(inside.repository.full_name).toMatch(/^Codertocat\/Hello-/);
      expect((await deliver(t.hook, { event: 'push', payload: inside })).status).toBe(202);
      expect(await t.events()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('takes check_suite requested when CHECK_SUITE_REQUESTED is on', async () => {
    const t = await startTestReceiver({ CHECK_SUITE_REQUESTED: 'true' });
    try {
      const res = await deliver(t.hook, {
        event: 'check_suite',
        payload: withAction('check_suite', 'requested'),
      });
      expect(res.status).toBe(202);
      expect(await t.events()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('accepts a signature made with either of two secrets (rotation)', async () => {
    const t = await startTestReceiver({ GITHUB_WEBHOOK_SECRET: 'old-one,new-one' });
    try {
      const old = await deliver(t.hook, { event: 'push', payload: push(), secret: 'old-one' });
      const next = await deliver(t.hook, { event: 'push', payload: push(), secret: 'new-one' });
      const other = await deliver(t.hook, { event: 'push', payload: push(), secret: 'other' });
      expect([old.status, next.status, other.status]).toEqual([202, 202, 401]);
    } finally {
      await t.close();
    }
  });

  it('in dev mode (no secret) accepts unsigned deliveries and warns loudly at start', async () => {
    const t = await startTestReceiver({ GITHUB_WEBHOOK_SECRET: '' });
    try {
      const res = await deliver(t.hook, { event: 'push', payload: push(), secret: null });
      expect(res.status).toBe(202);
      expect(await t.events()).toHaveLength(1);
      expect(t.logs.lines()[0]).toMatchObject({
        level: 40,
        msg: expect.stringMatching(/^DEV MODE: .*NOT checked/),
      });
    } finally {
      await t.close();
    }
  });
});
