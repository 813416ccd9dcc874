import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAppKey } from '@solstice/github-standin';
import { waitFor } from '../../../../../test/support/wait.js';
import { runSweep } from '../../../src/recovery/sweep.js';
import { gitHubHookDeliveries } from '../../../src/recovery/hook-deliveries.js';
import { redisSweepState } from '../../../src/recovery/sweep-state.js';
import { HOOK_ID, startRecoveryHarness, type RecoveryHarness } from './harness.js';

const appKey = generateAppKey();

describe('recovery sweep: failed GitHub deliveries come back through the real receiver', () => {
  let h: RecoveryHarness;

  beforeEach(async () => {
    h = await startRecoveryHarness(appKey);
  });

  afterEach(async () => {
    await h.close();
  });

  const ran = async (
    outcome: Promise<Awaited<ReturnType<ReturnType<RecoveryHarness['sweeper']>['sweepNow']>>>,
  ) => {
    const o = await outcome;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an error or its message
    if (!o.ran) throw new Error(`sweep did not run: ${o.reason} ${String(o.error ?? '')}`);
    await h.sender.settled();
    return o.report;
  };

  it('redelivers a delivery sent while the receiver was not listening; it ends stored in {P}:events', async () => {
    const lost = await h.sendPush();
    expect(lost).toMatchObject({ status_code: 0, status: 'connection refused' });
    await h.startReceiver();
    const ok = await h.sendPush();
    expect(ok.status_code).toBe(202);

    const report = await ran(h.sweeper().sweepNow());

    expect(report).toMatchObject({ checked: 2 });
    expect(report.redelivered.map((d) => d.guid)).toEqual([lost.guid]);
    expect(h.redeliveryCalls()).toBe(1);
    expect(await h.storedGuids()).toEqual([ok.guid, lost.guid]);
    const again = h.sender.deliveries()[0]!;
    expect(again).toMatchObject({ guid: lost.guid, redelivery: true, status_code: 202 });
    const stored = await h.redis.get(h.keys.delivery(String(HOOK_ID), lost.guid));
    expect(stored).toMatch(/^\d+-\d+$/);
  });

  it('redelivers a delivery answered 503 while the receiver had lost Redis', async () => {
    const receiver = await h.startReceiver();
    receiver.redis.disconnect();
    const failed = await h.sendPush();
    expect(failed.status_code).toBe(503);
    // connect() refuses while the old socket is still closing.
    await waitFor(() => receiver.redis.status === 'end', 'the cut connection closed');
    await receiver.redis.connect();

    const report = await ran(h.sweeper().sweepNow());

    expect(report.redelivered.map((d) => d.guid)).toEqual([failed.guid]);
    expect(await h.storedGuids()).toEqual([failed.guid]);
  });

  it('leaves a successful delivery alone and asks GitHub nothing more than the list', async () => {
    await h.startReceiver();
    await h.sendPush();
    const report = await ran(h.sweeper().sweepNow());
    expect(report).toMatchObject({ checked: 1, failed: [], redelivered: [] });
    expect(h.redeliveryCalls()).toBe(0);
    expect(h.standIn.callsTo('GET', /^\/app\/hook\/deliveries\/\d+$/)).toHaveLength(0);
  });

  it('does not redeliver a failed delivery the receiver in fact stored (the answer was lost)', async () => {
    const receiver = await h.startReceiver();
    // A front that passes the delivery on, then fails the answer: GitHub sees 504.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- a test's server: a throw in it is an unhandled rejection, which fails the run
    const front: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      await fetch(`${receiver.url}/webhooks/github`, {
        method: 'POST',
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      });
      res.writeHead(504).end();
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const { port } = front.address() as AddressInfo;
    try {
      const timedOut = await h.sendPush(`http://127.0.0.1:${port}/webhooks/github`);
      expect(timedOut.status_code).toBe(504);

      const report = await ran(h.sweeper().sweepNow());

      expect(report.stored.map((d) => d.guid)).toEqual([timedOut.guid]);
      expect(report.redelivered).toEqual([]);
      expect(h.redeliveryCalls()).toBe(0);
    } finally {
      await new Promise((r) => front.close(r));
    }
  });

  it('a redelivery of an event that was stored is answered 200 and stored once', async () => {
    await h.startReceiver();
    const ok = await h.sendPush();
    await h.app.request('POST /app/hook/deliveries/{delivery_id}/attempts', {
      delivery_id: ok.id,
    });
    await h.sender.settled();
    expect(h.sender.deliveries()[0]).toMatchObject({
      guid: ok.guid,
      redelivery: true,
      status_code: 200,
    });
    expect(await h.storedGuids()).toEqual([ok.guid]);
  });

  it('two copies sweeping at once redeliver each failed delivery exactly once (lease)', async () => {
    const lost = [await h.sendPush(), await h.sendPush()];
    await h.startReceiver();
    const [a, b] = await Promise.all([h.sweeper().sweepNow(), h.sweeper().sweepNow()]);
    await h.sender.settled();
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    expect(h.redeliveryCalls()).toBe(2);
    expect((await h.storedGuids()).sort()).toEqual(lost.map((d) => d.guid).sort());
  });

  it('two sweeps without the lease still redeliver each failed delivery once (NX marker)', async () => {
    const lost = [await h.sendPush(), await h.sendPush(), await h.sendPush()];
    await h.startReceiver();
    const sweep = (token: string) =>
      runSweep(
        {
          github: gitHubHookDeliveries(h.app),
          state: redisSweepState(h.redis, h.keys),
          log: h.logs.log,
        },
        {
          lookbackMs: 3600_000,
          useCursor: true,
          maxRedeliveries: 50,
          markerTtlSeconds: 3600,
          token,
        },
      );
    const reports = await Promise.all([sweep('copy-a'), sweep('copy-b'), sweep('copy-c')]);
    await h.sender.settled();
    const redelivered = reports.flatMap((r) => r.redelivered.map((d) => d.guid));
    expect(redelivered.sort()).toEqual(lost.map((d) => d.guid).sort());
    expect(h.redeliveryCalls()).toBe(3);
    expect(await h.storedGuids()).toHaveLength(3);
  });

  it('pages through several pages of deliveries', async () => {
    const lost = [];
    for (let i = 0; i < 5; i++) lost.push(await h.sendPush());
    await h.startReceiver();
    const report = await ran(h.sweeper({ perPage: 2 }).sweepNow());
    expect(report.pages).toBe(3);
    expect(h.listCalls()).toBe(3);
    expect(report.redelivered.map((d) => d.guid)).toEqual(lost.map((d) => d.guid));
    expect(await h.storedGuids()).toEqual(lost.map((d) => d.guid));
  });

  it('keeps its cursor across a restart: a new sweeper does not re-check old deliveries', async () => {
    await h.startReceiver();
    for (let i = 0; i < 5; i++) await h.sendPush();
    const first = h.sweeper({ perPage: 2 });
    expect((await ran(first.sweepNow())).checked).toBe(5);
    await first.stop();
    const listedBefore = h.listCalls();

    const fresh = await h.sendPush();
    const second = h.sweeper({ perPage: 2 });
    const report = await ran(second.sweepNow());

    expect(report.checked).toBe(1);
    expect(h.listCalls() - listedBefore).toBe(1);
    expect(report.cursor?.id).toBe(fresh.id);
  });

  it('redelivers at most once per window: one that fails again is counted still failing', async () => {
    const lost = await h.sendPush();
    const sweeper = h.sweeper();
    const first = await ran(sweeper.sweepNow());
    expect(first.redelivered).toHaveLength(1);
    expect(h.sender.deliveries()[0]).toMatchObject({ guid: lost.guid, status_code: 0 });

    const second = await ran(sweeper.sweepNow());
    expect(second.stillFailing.map((d) => d.guid)).toEqual([lost.guid]);
    expect(h.redeliveryCalls()).toBe(1);

    const metrics = await h.registry.getMetricsAsJSON();
    const total = (name: string) =>
      metrics.find((m) => m.name === name)?.values.reduce((n, v) => n + v.value, 0);
    expect(total('solstice_recovery_deliveries_redelivered_total')).toBe(1);
    expect(total('solstice_recovery_deliveries_still_failing_total')).toBe(1);
    expect(total('solstice_recovery_deliveries_checked_total')).toBe(1 + 1);
  });

  it('stop() waits for a sweep still listing, which stops at the page without moving the cursor', async () => {
    await h.sendPush();
    await h.startReceiver();
    const sweeper = h.sweeper();
    let finished = false;
    const sweeping = sweeper.sweepNow().then((o) => {
      finished = true;
      return o;
    });
    await sweeper.stop();
    expect(finished).toBe(true);
    expect(await sweeping).toEqual({ ran: false, reason: 'stopped' });
    expect(h.redeliveryCalls()).toBe(0);
    expect(await h.redis.hget(h.keys.sweepCursor, 'id')).toBeNull();
    expect(await h.redis.exists(h.keys.sweepLease)).toBe(0);
    expect(await sweeper.sweepNow()).toEqual({ ran: false, reason: 'stopped' });
  });

  it('a sweep GitHub fails is logged without credentials, moves no cursor and redelivers nothing', async () => {
    await h.sendPush();
    h.standIn.fail(
      { method: 'GET', path: /^\/app\/hook\/deliveries$/ },
      { status: 502, body: { message: 'Server Error' } },
      100,
    );
    const outcome = await h.sweeper().sweepNow();
    expect(outcome).toMatchObject({ ran: false, reason: 'failed' });
    const line = h.logs
      .lines()
      .find((l) => l.msg === 'recovery sweep failed; trying again next interval');
    expect(line).toBeDefined();
    expect(h.logs.text()).not.toMatch(/bearer\s+ey/i);
    expect(await h.redis.hget(h.keys.sweepCursor, 'id')).toBeNull();
    expect(h.redeliveryCalls()).toBe(0);
  });

  it('logs one line per sweep with what it found', async () => {
    await h.sendPush();
    await h.startReceiver();
    await ran(h.sweeper().sweepNow());
    const line = await waitFor(
      () => h.logs.lines().find((l) => l.msg === 'recovery sweep done'),
      'the sweep log line',
    );
    expect(line).toMatchObject({ checked: 1, failed: 1, redelivered: 1, stillFailing: 0 });
    expect(h.logs.text()).not.toContain('BEGIN RSA PRIVATE KEY');
  });
});
