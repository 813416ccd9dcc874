import { afterEach, describe, expect, it } from 'vitest';
import {
  connectionNamed as connectionPid,
  hasRabbitmqctl,
  rabbitmqctl,
} from '../../../../test/support/rabbitmq.js';
import { envelopeFor, startHarness, takeAll, waitFor, type Harness } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasRabbitmqctl())('the publisher when the broker closes its connection', () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });

  it('still delivers every JobRequest at least once, and leaves nothing pending', async () => {
    const h = await startHarness({ STAGE_BATCH_SIZE: '20' });
    harnesses.push(h);
    const first = await waitFor(() => connectionPid(h.connectionName), 'our connection');
    const es = Array.from({ length: 1000 }, () => envelopeFor());

    // Entries trickle in until the broker has closed the connection, then the rest at once:
    // the fault lands in the middle of the run whatever the speed of this machine.
    let addedWhenClosed: number | undefined;
    let added = 0;
    const fault = (async () => {
      await waitFor(async () => (await h.checks()).length >= 100, '100 published', 30_000);
      await rabbitmqctl('close_connection', first, 'publisher test: forced close');
      addedWhenClosed = added;
    })();
    fault.catch(() => undefined); // awaited below; this only keeps an early failure handled
    while (added < es.length) {
      // The last 100 wait for the fault, however slow rabbitmqctl is today.
      if (addedWhenClosed === undefined && added >= es.length - 100) await fault;
      const n = addedWhenClosed === undefined ? 10 : es.length - added;
      await h.addJobs(es.slice(added, added + n));
      added += n;
      if (addedWhenClosed === undefined) await sleep(20);
    }
    await fault;
    expect(addedWhenClosed).toBeLessThan(es.length);

    const all = new Set(es.map((e) => e.job.request_id));
    await waitFor(
      async () => new Set((await h.checks()).map((c) => c.request_id)).size === all.size,
      'a checks record for every request_id',
      60_000,
    );
    await waitFor(async () => (await h.pending()) === 0, 'nothing pending', 30_000);

    // Reconnected on a new connection, and read on.
    const second = await waitFor(() => connectionPid(h.connectionName), 'our new connection');
    expect(second).not.toBe(first);
    const msgs = h.logs.lines().map((l) => l.msg);
    expect(msgs).toContain('AMQP disconnected; reconnecting');
    expect(msgs.filter((m) => m === 'confirm channel open').length).toBeGreaterThanOrEqual(2);

    // At least once in the queue (a publish whose confirm was lost comes again), and the hand-off
    // to {P}:checks is exactly once: a record is added only by the script that acks the entry.
    const ch = await h.channel();
    const ids = (await takeAll(ch, h.topology.queue)).map((m) => m.properties.messageId as string);
    expect(new Set(ids)).toEqual(all);
    expect(ids.length).toBeGreaterThanOrEqual(all.size);
    const checks = await h.checks();
    expect(checks).toHaveLength(all.size);
    expect(await h.dead()).toHaveLength(0);
  });

  it('replaces a channel the broker closed, declaring the deleted exchange again', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const t = h.topology;
    const ch = await h.channel();
    await ch.deleteExchange(t.exchange);
    const es = [envelopeFor(), envelopeFor()];
    await h.addJobs(es);

    // Publishing to a missing exchange: the broker closes the channel (404 NOT_FOUND).
    await waitFor(
      () => h.logs.lines().some((l) => l.msg === 'confirm channel closed'),
      'the close',
    );
    await waitFor(async () => (await h.checks()).length === 2, 'both published', 20_000);
    await ch.checkExchange(t.exchange);
    const ids = (await takeAll(ch, t.queue)).map((m) => m.properties.messageId);
    expect(new Set(ids)).toEqual(new Set(es.map((e) => e.job.request_id)));
    expect(await h.pending()).toBe(0);
    expect(h.logs.lines().filter((l) => l.msg === 'confirm channel open')).toHaveLength(2);
  });

  it('stops with the clear line when the queue was declared anew with other arguments', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const t = h.topology;
    const first = await waitFor(() => connectionPid(h.connectionName), 'our connection');
    const ch = await h.channel();
    await ch.deleteQueue(t.queue);
    await ch.assertQueue(t.queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': t.dlx },
    });
    await rabbitmqctl('close_connection', first, 'publisher test: forced close');

    const line = await h.publisher.fatal;
    expect(line).toMatch(
      new RegExp(
        `^AMQP queue '${t.queue.replace(/\./g, '\\.')}' \\(AMQP_QUEUE\\) already exists with x-queue-type = quorum, but the publisher declares it with x-queue-type = classic: set AMQP_QUEUE_TYPE=quorum`,
      ),
    );
    expect(h.publisher.link.isOpen).toBe(false);
  });
});
