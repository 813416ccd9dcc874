import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline } from '@solstice/github-standin/harness';
import {
  awaitRedelivered,
  checkInvariants,
  sendPushes,
  startPipeline,
  type Sent,
} from '../faults/fault-support.js';
import { hasRedisServer, startRedisGroup, type RedisGroup } from '../support/redis-group.js';
import { amqpUrl } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { STAGE_NAMES, watchProgress } from './failover-support.js';

// A Redis primary, two replicas and three sentinels of the test's own; every stage, the
// stand-in's harness and the orchestrator reach Redis through REDIS_URL=redis+sentinel://.
describe.skipIf(!hasRedisServer())(
  'failover: the Redis primary is killed -9 under a stream of pushes',
  () => {
    let group: RedisGroup | undefined;
    let p: Pipeline | undefined;
    afterEach(async () => {
      await p?.stop().catch(() => undefined);
      await group?.stop();
      p = group = undefined;
    });

    it('loses and duplicates nothing: every 2xx delivery becomes one completed Check Run per job', async () => {
      group = await startRedisGroup({ replicas: 2, sentinels: 3, downAfterMs: 2000 });
      p = await startPipeline({
        label: 'failover',
        redisUrl: group.sentinelUrl,
        amqpUrl: amqpUrl(),
        // Two replicas: after the promotion one is left to acknowledge.
        env: { REDIS_MIN_REPLICAS_ACK: '1', REDIS_REPLICAS_ACK_TIMEOUT_MS: '1000' },
      });
      const sent: Sent[] = [...(await sendPushes(p, 10, 50))];
      await waitFor(() => p!.checks.all().length >= 1, 'the pipeline at work');

      const oldPort = group.primary.port;
      const progress = await watchProgress(p);
      const killedAt = Date.now();
      await group.primary.kill();
      let promotedMs: number | undefined;
      // Pushes keep coming through the outage and after it.
      while (promotedMs === undefined || Date.now() - killedAt < promotedMs + 3000) {
        sent.push(...(await sendPushes(p, 1, 100)));
        if (promotedMs === undefined && (await group.primaryPort()) !== oldPort)
          promotedMs = Date.now() - killedAt;
        if (Date.now() - killedAt > 60_000) throw new Error('no promotion within 60 s');
      }
      sent.push(...(await sendPushes(p, 5, 50)));
      const seen = await progress.stop(30_000);
      console.log(
        `[failover] redis primary killed; sentinels promoted a replica after ${promotedMs} ms; ` +
          `first progress after the kill: ${STAGE_NAMES.map((s) => `${s} ${seen[s] ?? 'none'} ms`).join(', ')}; ` +
          `${sent.filter((s) => s.status !== 202).length} of ${sent.length} deliveries failed at first`,
      );
      for (const s of STAGE_NAMES)
        expect(seen[s], `${s} made progress after the failover`).toBeDefined();

      // Failed at first (503 during the outage, or fewer replicas than asked): the sweep redelivers.
      await awaitRedelivered(p, sent);
      const verdict = await checkInvariants(p, sent, 120_000);
      expect(verdict.deliveries).toBe(sent.length);
    });

    it('without REDIS_MIN_REPLICAS_ACK, the sweep redelivers the 202s the promoted replica never had', async () => {
      // The replica replicates through a proxy: cut, it gets nothing more (a paused process would
      // still find the writes in its socket buffer when it resumes).
      let link: TcpProxy | undefined;
      group = await startRedisGroup({
        replicas: 1,
        sentinels: 3,
        downAfterMs: 2000,
        replicaLink: async (port) => (link = await startTcpProxy({ host: '127.0.0.1', port })).port,
      });
      p = await startPipeline({
        label: 'failover-sweep',
        redisUrl: group.sentinelUrl,
        amqpUrl: amqpUrl(),
      });
      const sent: Sent[] = [...(await sendPushes(p, 5, 50))];
      await waitFor(() => p!.checks.all().length >= 5 * 3, 'the first pushes reported');
      // The expander held, so what the primary alone gets has no effect outside Redis yet.
      const expander = p.process('expander');
      expander.pause();
      link!.pause();
      const lost = await sendPushes(p, 5, 50);
      expect(lost.map((s) => s.status)).toEqual([202, 202, 202, 202, 202]);
      sent.push(...lost);
      const oldPort = group.primary.port;
      await group.primary.kill();
      await link!.close();
      await waitFor(
        async () => (await group!.primaryPort()) !== oldPort,
        'the replica promoted',
        60_000,
      );
      expander.resume();
      const gone = async () => {
        let n = 0;
        for (const s of lost)
          if ((await p!.redis.exists(p!.keys.delivery(String(p!.hookId), s.guid))) === 0) n++;
        return n;
      };
      console.log(
        `[failover] ${await gone()} of ${lost.length} acknowledged deliveries gone with the primary`,
      );
      await waitFor(
        async () => (await gone()) === 0,
        'the sweep redelivered every lost 202',
        90_000,
      );
      const redelivered = p.sender.deliveries().filter((d) => d.redelivery).length;
      console.log(`[failover] redeliveries asked by the sweep: ${redelivered}`);
      await checkInvariants(p, sent, 120_000);
    });
  },
);
