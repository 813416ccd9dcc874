import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline, StageName } from '@solstice/github-standin/harness';
import { fieldsToObject } from '@solstice/shared';
import { hasRabbitmqctl, rabbitmqctl, withVhost } from '../support/rabbitmq.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { checkInvariants, sendPushes, startPipeline, workDone } from './fault-support.js';

/**
 * The run issue 11 measured at default settings: many pushes through all four stages while
 * the expander, the publisher and the reporter are each killed -9 mid-stream (and restarted at
 * once, as compose would), and the broker closes every connection. It prints how long each
 * JobRequest waited, from RabbitMQ's confirm (`published_at`) to its Check Run at GitHub.
 */
describe('fault injection: the issue 11 run, at default settings', () => {
  let p: Pipeline | undefined;
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    await p?.stop();
    p = undefined;
    for (const c of cleanups.splice(0)) await c();
  });

  it.skipIf(!hasRabbitmqctl())(
    'kill -9 of three stages and a broker close: nothing lost, nothing twice, nothing pending',
    async () => {
      const pushes = Number(process.env.FAULTS_ISSUE11_PUSHES ?? 150);
      const vhost = `fault-${randomUUID().slice(0, 8)}`;
      const url = await withVhost(amqpUrl(), vhost);
      cleanups.push(() => rabbitmqctl('delete_vhost', vhost));
      p = await startPipeline({ redisUrl: redisUrl(), amqpUrl: url });
      const pipeline = p;
      const firstSeen = new Map<string, number>();
      const watch = setInterval(() => {
        for (const r of pipeline.checks.all())
          if (r.external_id && !firstSeen.has(r.external_id))
            firstSeen.set(r.external_id, Date.now());
      }, 50);
      cleanups.push(() => clearInterval(watch));
      const stream = sendPushes(p, pushes, 40);
      for (const stage of ['expander', 'publisher', 'reporter'] as StageName[]) {
        const before = await workDone(p, stage);
        // Killed while at work when it is (the stream may have passed it already: killed anyway).
        await waitFor(
          async () => (await workDone(pipeline, stage)) > before,
          `${stage} at work`,
          30_000,
          20,
        ).catch(() => undefined);
        const victim = p.process(stage);
        await victim.kill();
        victim.start();
      }
      await rabbitmqctl('close_all_connections', '--vhost', vhost, 'issue 11 run');
      const sent = await stream;
      const verdict = await checkInvariants(p, sent, 180_000);
      expect(verdict.jobs).toBe(pushes * 3);
      const checks = (await p.redis.xrange(p.keys.checks, '-', '+')) as [string, string[]][];
      const waits: number[] = [];
      for (const [, flat] of checks) {
        const f = fieldsToObject(flat);
        const seen = firstSeen.get(f.request_id!);
        if (seen !== undefined && f.published_at) waits.push(seen - Date.parse(f.published_at));
      }
      waits.sort((a, b) => a - b);
      const at = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))];
      console.log(
        `[faults] issue 11 run: ${pushes} pushes, ${verdict.jobs} jobs, ${verdict.duplicatePublishes} duplicate publishes; JobRequest confirmed → Check Run seen: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${waits[waits.length - 1]} ms, over 30 s: ${waits.filter((w) => w > 30_000).length} (of ${waits.length} measured)`,
      );
    },
  );
});
