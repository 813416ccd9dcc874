import { afterEach, describe, expect, it } from 'vitest';
import {
  checkIdentityOf,
  checkRecordOf,
  envelopeFromFields,
  envelopeToFields,
} from '@solstice/shared';
import { envelopeFor, startHarness, takeAll, waitFor, type Harness } from './harness.js';

describe('the publisher stage', () => {
  const harnesses: Harness[] = [];
  const harness = async (env: Record<string, string> = {}) => {
    const h = await startHarness(env);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });

  it('publishes a JobRequest persistent, as JSON, with message_id = request_id and every field', async () => {
    const h = await harness();
    const e = envelopeFor({ group_id: null, runs_on: null });
    const before = Math.floor(Date.now() / 1000);
    await h.addJobs([e]);
    await waitFor(async () => (await h.checks()).length === 1, 'the checks record');

    const ch = await h.channel();
    const [msg, ...more] = await takeAll(ch, h.topology.queue);
    expect(more).toHaveLength(0);
    expect(msg!.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      messageId: e.job.request_id,
      type: 'jobrequest.v1',
    });
    expect(msg!.properties.timestamp).toBeGreaterThanOrEqual(before);
    expect(msg!.properties.timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(msg!.fields).toMatchObject({
      exchange: h.topology.exchange,
      routingKey: 'jobrequest.v1',
    });
    expect(JSON.parse(msg!.content.toString())).toStrictEqual({
      schema_version: 'jobrequest.v1',
      request_id: e.job.request_id,
      group_id: null,
      source: 'github',
      repo_url: e.job.repo_url,
      repo_owner: 'octo-org',
      repo_name: 'hello-world',
      commit_sha: e.job.commit_sha,
      workflow_path: '.solstice/workflow.kdl',
      workflow_job_id: 'build',
      runs_on: null,
      script_path: '.solstice/build.sh',
      submitted_at: e.job.submitted_at,
    });

    // The record for the reporter: the same envelope, plus when RabbitMQ confirmed it.
    const [record] = await h.checks();
    const { published_at, ...rest } = record!;
    expect(rest).toEqual(envelopeToFields(e));
    expect(Date.parse(published_at!)).toBeGreaterThanOrEqual(before * 1000);
    expect(envelopeFromFields(record!).job).toEqual(e.job);
    expect(await h.pending()).toBe(0);
    expect(await h.counter('confirmed')).toBe(1);

    // The job's record, written before the publish: the reporter's proof that it was published.
    const written = await h.redis.hgetall(h.keys.checkRecord(e.job.request_id));
    expect(checkRecordOf(written)).toMatchObject({
      ...checkIdentityOf(e),
      source: 'publisher',
      want: undefined,
    });
    const ttl = await h.redis.ttl(h.keys.checkRecord(e.job.request_id));
    expect(ttl).toBeGreaterThan(13 * 86_400);
  });

  it('leaves a record the reporter already added to alone when a JobRequest is published again', async () => {
    const h = await harness();
    const e = envelopeFor({});
    const key = h.keys.checkRecord(e.job.request_id);
    await h.redis.hset(key, {
      request_id: e.job.request_id,
      owner: 'o',
      repo: 'r',
      head_sha: e.job.commit_sha,
      want: 'completed',
      want_v: '2',
    });
    await h.addJobs([e]);
    await waitFor(async () => (await h.checks()).length === 1, 'the checks record');
    expect(await h.redis.hgetall(key)).toMatchObject({
      owner: 'o',
      want: 'completed',
      want_v: '2',
    });
  });

  it('moves 1,000 JobRequests: each once in the queue, 1,000 checks records, nothing pending', async () => {
    const h = await harness();
    const es = Array.from({ length: 1000 }, () => envelopeFor());
    await h.addJobs(es);
    await waitFor(async () => (await h.checks()).length >= 1000, '1,000 checks records', 30_000);

    const ch = await h.channel();
    expect((await ch.checkQueue(h.topology.queue)).messageCount).toBe(1000);
    const ids = (await takeAll(ch, h.topology.queue)).map((m) => m.properties.messageId as string);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids)).toEqual(new Set(es.map((e) => e.job.request_id)));
    const checks = await h.checks();
    expect(checks).toHaveLength(1000);
    expect(new Set(checks.map((c) => c.request_id))).toEqual(new Set(ids));
    expect(await h.pending()).toBe(0);
    expect(await h.dead()).toHaveLength(0);
  });

  it('dead-letters an invalid JobRequest with the reason while the rest flows', async () => {
    const h = await harness();
    const [a, b] = [envelopeFor(), envelopeFor()];
    const bad = envelopeToFields(envelopeFor({ request_id: 'not-a-uuid' }));
    await h.addJobs([a]);
    await h.addRaw(bad);
    await h.addRaw({ job: '{"truncated', delivery: 'd-1' });
    await h.addJobs([b]);

    await waitFor(async () => (await h.dead()).length === 2, 'two dead entries');
    await waitFor(async () => (await h.checks()).length === 2, 'two checks records');
    const dead = await h.dead();
    expect(dead[0]).toMatchObject({
      ...bad,
      dead_error: 'invalid JobRequest: request_id must be a UUID',
      dead_group: 'publisher',
    });
    expect(dead[1]!.dead_error).toMatch(/^invalid JobRequest: not JSON/);
    expect((await h.checks()).map((c) => c.request_id)).toEqual([
      a.job.request_id,
      b.job.request_id,
    ]);
    const ch = await h.channel();
    expect((await takeAll(ch, h.topology.queue)).map((m) => m.properties.messageId)).toEqual([
      a.job.request_id,
      b.job.request_id,
    ]);
    expect(await h.pending()).toBe(0);
    expect(await h.counter('invalid')).toBe(2);
  });

  it('does not ack an unroutable JobRequest (returned though acked), and sends it once routable again', async () => {
    const h = await harness();
    const t = h.topology;
    const ch = await h.channel();
    // The exchange is now bound to nothing: every publish comes back as basic.return.
    await ch.unbindQueue(t.queue, t.exchange, t.routingKey);
    const es = [envelopeFor(), envelopeFor(), envelopeFor()];
    await h.addJobs(es);

    await waitFor(async () => (await h.counter('returned')) >= 3, 'three returns');
    expect(await h.pending()).toBe(3);
    expect(await h.checks()).toHaveLength(0);
    expect(await h.counter('confirmed')).toBe(0);
    expect(
      h.logs
        .lines()
        .filter((l) => l.outcome === 'returned')
        .map((l) => l.request_id),
    ).toEqual(expect.arrayContaining(es.map((e) => e.job.request_id)));

    // Routable again: the pending entries are published again after RETRY_MIN_IDLE_MS.
    await ch.bindQueue(t.queue, t.exchange, t.routingKey);
    await waitFor(async () => (await h.checks()).length === 3, 'the checks records', 20_000);
    expect(await h.pending()).toBe(0);
    const ids = (await takeAll(ch, t.queue)).map((m) => m.properties.messageId);
    expect(new Set(ids)).toEqual(new Set(es.map((e) => e.job.request_id)));
  });

  it('serves metrics and readiness on METRICS_ADDR', async () => {
    const h = await harness();
    await h.addJobs([envelopeFor()]);
    await waitFor(async () => (await h.checks()).length === 1, 'the checks record');
    const addr = h.publisher.ops!.address() as { port: number };
    const base = `http://127.0.0.1:${addr.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /solstice_jobrequests_published_total\{outcome="confirmed",stage="publisher"\} 1/,
    );
    expect(text).toMatch(/solstice_publish_confirm_seconds_count\{stage="publisher"\} 1/);
    await h.publisher.link.close();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });
});
