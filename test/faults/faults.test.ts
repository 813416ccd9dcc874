import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline, StageName } from '@solstice/github-standin/harness';
import { hasRabbitmqctl, rabbitmqctl, withVhost } from '../support/rabbitmq.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import {
  awaitRedelivered,
  backlog,
  checkInvariants,
  pendingFor,
  reportRecovery,
  sendPushes,
  startPipeline,
  workDone,
} from './fault-support.js';

describe('fault injection: the real stages as processes', () => {
  let p: Pipeline | undefined;
  const cleanups: (() => unknown)[] = []; // each awaited
  afterEach(async () => {
    await p?.stop();
    p = undefined;
    for (const c of cleanups.splice(0)) await c();
  });

  for (const stage of ['receiver', 'expander', 'publisher', 'reporter'] as StageName[]) {
    it(`loses and duplicates nothing when the ${stage} is killed -9 mid-stream and restarted`, async () => {
      p = await startPipeline({ redisUrl: redisUrl(), amqpUrl: amqpUrl() });
      const stream = sendPushes(p, 30, 40);
      await waitFor(async () => (await workDone(p!, stage)) >= 1, `the ${stage} at work`);
      const victim = p.process(stage);
      const pid = victim.pid!;
      // Killed while it holds entries (a batch in hand) when that can be caught within 5 s.
      if (stage !== 'receiver')
        await waitFor(
          async () => (await pendingFor(p!, stage, pid)).length > 0,
          `the ${stage} holding entries`,
          5000,
          5,
        ).catch(() => undefined);
      await victim.kill();
      const killedAt = Date.now();
      const affected = stage === 'receiver' ? [] : await pendingFor(p, stage, pid);
      // Down until work piles up for it: deliveries failing at GitHub, or entries in its input.
      await waitFor(
        async () =>
          stage === 'receiver'
            ? p!.sender.deliveries().some((d) => d.status_code !== 202)
            : (await backlog(p!, stage)) >= 3,
        `work waiting for the killed ${stage}`,
      );
      victim.start();
      const sent = await stream;
      if (stage === 'receiver') {
        // Deliveries sent while it was down failed at GitHub; the recovery sweep redelivers them.
        expect(sent.some((s) => s.status !== 202)).toBe(true);
        await awaitRedelivered(p, sent);
        console.log(
          `[faults] recovery: kill -9 of the receiver: every failed delivery stored ${Date.now() - killedAt} ms after the kill (recovery sweep every RECOVERY_INTERVAL_MS=1000)`,
        );
      } else {
        await reportRecovery(p, stage, affected, killedAt);
      }
      const verdict = await checkInvariants(p, sent);
      expect(verdict.deliveries).toBe(30);
    });
  }

  it.skipIf(!hasRabbitmqctl())(
    'recovers when the broker closes every connection while publishing and reporting',
    async () => {
      const vhost = `fault-${randomUUID().slice(0, 8)}`;
      const url = await withVhost(amqpUrl(), vhost);
      cleanups.push(() => rabbitmqctl('delete_vhost', vhost));
      p = await startPipeline({ redisUrl: redisUrl(), amqpUrl: url });
      const stream = sendPushes(p, 40, 40);
      // Close while the publisher publishes and the reporter reports: a first Check Run exists.
      await waitFor(() => p!.checks.all().length >= 1, 'publishing and reporting under way');
      await rabbitmqctl('close_all_connections', '--vhost', vhost, 'fault test');
      // Again once they are back at work: more JobRequests published since (or all of them).
      const published = await p.streamLength(p.keys.checks);
      await waitFor(async () => {
        const now = await p!.streamLength(p!.keys.checks);
        return now > published || now === 40 * 3;
      }, 'publishing again after the first close');
      await rabbitmqctl('close_all_connections', '--vhost', vhost, 'fault test again');
      const sent = await stream;
      await checkInvariants(p, sent);
    },
  );

  it('recovers when Redis is unreachable for a few seconds (503 at the receiver, then redelivery)', async () => {
    const proxy = await startTcpProxy(
      new URL(redisUrl()).port
        ? { host: new URL(redisUrl()).hostname, port: Number(new URL(redisUrl()).port) }
        : { host: '127.0.0.1', port: 6379 },
    );
    cleanups.push(() => proxy.close());
    p = await startPipeline({ redisUrl: proxy.urlFor(redisUrl()), amqpUrl: amqpUrl() });
    // The harness reads Redis directly; only the stages go through the proxy.
    const stream = sendPushes(p, 30, 50);
    await waitFor(async () => (await p!.streamLength(p!.keys.events)) >= 3, 'events stored');
    proxy.pause();
    // Unreachable until the receiver has refused a delivery and every stage has noticed
    // (its /readyz says not ready): each stage then reconnects after a real outage.
    const noticed = new Set<string>();
    await waitFor(
      async () => {
        for (const [label, proc] of p!.processes)
          if (!label.startsWith('demo-orchestrator') && !(await p!.isReady(proc)))
            noticed.add(label);
        const refused = p!.sender.deliveries().some((d) => d.status_code === 503);
        return refused && noticed.size === 4;
      },
      'a refused delivery and every stage not ready',
      30_000,
    );
    proxy.resume();
    const sent = await stream;
    const refused = sent.filter((s) => s.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    await awaitRedelivered(p, sent);
    await checkInvariants(p, sent);
  });

  it('rides out GitHub answering 502 and secondary rate limits for a while', async () => {
    // 20 failed writes in a row: at the default back-off (1 s doubling to 60 s) the writer
    // would wait about 10 minutes; this outage is compressed in time, so is the back-off.
    p = await startPipeline({
      redisUrl: redisUrl(),
      amqpUrl: amqpUrl(),
      env: { WRITE_RETRY_BASE_MS: '100', WRITE_RETRY_MAX_MS: '1000' },
    });
    p.standIn.fail(
      { path: /\/check-runs/ },
      { status: 502, body: { message: 'Server Error' } },
      15,
    );
    // And creates that GitHub carried out but answered 502: still one run per job.
    p.standIn.fail(
      { method: 'POST', path: /\/check-runs$/ },
      { status: 502, body: { message: 'Server Error' } },
      5,
      { afterHandling: true },
    );
    p.standIn.fail(
      { path: /\/contents\// },
      {
        status: 403,
        headers: { 'retry-after': '1' },
        body: {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        },
      },
      4,
    );
    const sent = await sendPushes(p, 15, 30);
    await checkInvariants(p, sent);
    expect(p.standIn.calls.filter((c) => c.status === 502).length).toBe(20);
  });

  it('dead-letters poison inputs with their reasons while the rest flows', async () => {
    p = await startPipeline({ redisUrl: redisUrl(), amqpUrl: amqpUrl() });
    // A stored event that cannot be parsed.
    await p.redis.xadd(
      p.keys.events,
      '*',
      'delivery',
      'poison-1',
      'hook_id',
      '1',
      'event',
      'push',
      'content_type',
      'application/json',
      'body',
      '{not json',
    );
    // A JobResult for a repository the App is not installed on, and one that is not JSON.
    const conn = await connect(amqpUrl());
    const ch = await conn.createConfirmChannel();
    const unknownRepo = {
      schema_version: 'jobresult.v1',
      request_id: randomUUID(),
      repo_url: 'https://github.com/nobody/nothing.git',
      repo_owner: 'nobody',
      repo_name: 'nothing',
      commit_sha: 'c'.repeat(40),
      success: true,
      exit_code: 0,
      completed_at: new Date().toISOString(),
    };
    ch.publish(p.names.exchange, 'jobresult.v1', Buffer.from(JSON.stringify(unknownRepo)), {
      persistent: true,
    });
    ch.publish(p.names.exchange, 'jobresult.v1', Buffer.from('{"schema_version":'), {
      persistent: true,
    });
    await ch.waitForConfirms();
    // A hostile workflow: its commit still builds, as one job, with the reason shown.
    const hostileSha = 'd'.repeat(40);
    p.contents.put(
      'Codertocat',
      'Hello-World',
      hostileSha,
      '.solstice/workflow.kdl',
      'job "x" script="../../etc/passwd"\n',
    );
    const { pushPayload } = await import('../support/payloads.js');
    const hostile = await p.send('push', pushPayload(p.installationId, hostileSha));
    expect(hostile.status_code).toBe(202);

    const sent = await sendPushes(p, 10, 20);
    const accepted = sent.map((s) => ({ ...s }));
    // The good ones all flow.
    await waitFor(
      () =>
        accepted.every(
          (s) =>
            p!.checks.all().filter((r) => r.head_sha === s.sha && r.status === 'completed')
              .length === 3,
        ),
      'good deliveries complete',
      60_000,
    );
    const dead = await waitFor(async () => {
      const d = (await p!.redis.xrange(p!.keys.dead(p!.keys.events), '-', '+')) as [
        string,
        string[],
      ][];
      return d.length === 1 ? d : undefined;
    }, 'the poison event dead-lettered');
    expect(dead[0]![1].join(' ')).toMatch(/not JSON/i);
    const hostileRun = await waitFor(
      () => p!.checks.all().find((r) => r.head_sha === hostileSha && r.status === 'completed'),
      'the hostile commit still reported',
    );
    expect(hostileRun.name).toBe('Solstice CI');
    expect(`${hostileRun.output.summary}`).toMatch(/\.\./);
    const dlq = await waitFor(
      async () => {
        const q = await ch.checkQueue(`${p!.names.resultsQueue}.dlq`);
        return q.messageCount === 2 ? q : undefined;
      },
      'both bad results in the results DLQ',
      30_000,
    );
    expect(dlq.messageCount).toBe(2);
    await conn.close();
    const reporterLog = p.process('reporter').lines.join('\n');
    expect(reporterLog).toMatch(/dead-letter|DLQ|rejected/i);
  });

  it('loses and duplicates nothing when every stage gets SIGTERM while busy', async () => {
    p = await startPipeline({ redisUrl: redisUrl(), amqpUrl: amqpUrl() });
    const stream = sendPushes(p, 30, 30);
    await waitFor(() => p!.checks.all().length >= 1, 'every stage at work');
    for (const stage of ['receiver', 'expander', 'publisher', 'reporter'] as StageName[]) {
      const proc = p.process(stage);
      const { code } = await proc.stop();
      expect(code, `${stage} exit code after SIGTERM`).toBe(0);
      proc.start();
    }
    const sent = await stream;
    // Webhooks sent while the receiver was restarting failed at GitHub: the sweep redelivers them.
    await waitFor(
      () =>
        sent.every((s) =>
          p!.sender.deliveries().some((d) => d.guid === s.guid && d.status_code === 202),
        ),
      'every delivery stored, directly or by redelivery',
      45_000,
    );
    for (const s of sent) s.status = 202;
    await checkInvariants(p, sent);
  });
});
