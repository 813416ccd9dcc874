import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline } from '@solstice/github-standin/harness';
import {
  awaitRedelivered,
  checkInvariants,
  sendPushes,
  startPipeline,
  type Sent,
} from '../faults/fault-support.js';
import { startRedisGroup, type RedisGroup } from '../support/redis-group.js';
import { amqpUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { STAGE_NAMES, watchProgress } from './failover-support.js';

// A Redis primary, two replicas and three sentinels of the test's own; every stage, the
// stand-in's harness and the orchestrator reach Redis through REDIS_URL=redis+sentinel://.
describe('failover: the Redis primary is killed -9 under a stream of pushes', () => {
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
});
