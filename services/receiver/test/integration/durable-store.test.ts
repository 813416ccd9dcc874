import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasRedisServer,
  startRedisGroup,
  type RedisGroup,
} from '../../../../test/support/redis-group.js';
import { deliver, metric, startTestReceiver } from './harness.js';
import { push } from '../../../../test/support/payloads.js';

// REDIS_MIN_REPLICAS_ACK against a primary and one replica of the test's own.
describe.skipIf(!hasRedisServer())('durable before 2xx (REDIS_MIN_REPLICAS_ACK)', () => {
  let group: RedisGroup;
  beforeAll(async () => {
    group = await startRedisGroup({ replicas: 1, sentinels: 0 });
  });
  afterAll(async () => {
    await group?.stop();
  });

  it('answers 202 once the replica has the entry, and 503 while it does not answer', async () => {
    const t = await startTestReceiver(
      { REDIS_MIN_REPLICAS_ACK: '1', REDIS_REPLICAS_ACK_TIMEOUT_MS: '300' },
      { redisUrl: group.primary.url },
    );
    try {
      const first = await deliver(t.hook, { event: 'push', payload: push() });
      expect(first.status).toBe(202);
      group.replicas[0]!.pause();
      let late;
      try {
        late = await deliver(t.hook, { event: 'push', payload: push() });
      } finally {
        group.replicas[0]!.resume();
      }
      expect(late.status).toBe(503);
      expect(await metric(t.metricsUrl, 'solstice_receiver_replicas_short_total')).toBe(1);
      expect(t.logs.lines().some((l) => /replicas did not acknowledge/.test(String(l.msg)))).toBe(
        true,
      );
      // The primary kept it: GitHub's redelivery (same GUID) finds it, once the replica caught up.
      let again = await deliver(t.hook, {
        event: 'push',
        payload: push(),
        delivery: late.delivery,
      });
      for (let i = 0; i < 20 && again.status === 503; i++)
        again = await deliver(t.hook, { event: 'push', payload: push(), delivery: late.delivery });
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ status: 'duplicate' });
      expect(await t.events()).toHaveLength(2);
    } finally {
      await t.close();
    }
  });

  it('answers 503 when fewer replicas exist than it asks for', async () => {
    const t = await startTestReceiver(
      { REDIS_MIN_REPLICAS_ACK: '2', REDIS_REPLICAS_ACK_TIMEOUT_MS: '100' },
      { redisUrl: group.primary.url },
    );
    try {
      const res = await deliver(t.hook, { event: 'push', payload: push() });
      expect(res.status).toBe(503);
    } finally {
      await t.close();
    }
  });
});
