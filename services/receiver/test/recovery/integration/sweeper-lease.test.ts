import { createRedis, keysFor, type Redis } from '@solstice/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeKeys } from '../../../../../test/support/keys.js';
import { captureLogger } from '../../../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../../../test/support/servers.js';
import type { HookDelivery } from '../../../src/recovery/choose-redeliveries.js';
import type { HookDeliveries } from '../../../src/recovery/hook-deliveries.js';
import { Lease } from '../../../src/recovery/lease.js';
import { startSweeper, type SweepOutcome } from '../../../src/recovery/start-sweeper.js';
import { redisSweepState } from '../../../src/recovery/sweep-state.js';

/** Two failed deliveries whose redelivery calls are slow, as when GitHub spaces writes. */
function slowGitHub(delayMs: number): HookDeliveries & { calls: number[] } {
  const at = new Date().toISOString();
  const items: HookDelivery[] = [2, 1].map((id) => ({
    id,
    guid: `guid-${id}`,
    delivered_at: at,
    redelivery: false,
    status: 'connection refused',
    status_code: 0,
    event: 'push',
    action: null,
  }));
  const calls: number[] = [];
  return {
    calls,
    async *pages() {
      yield items;
    },
    hookIdOf: async () => '1',
    async redeliver(id) {
      calls.push(id);
      await new Promise((r) => setTimeout(r, delayMs));
    },
  };
}

describe('sweeper lease (real Redis)', () => {
  let redis: Redis;
  const prefix = uniqueName('sweeper-lease');
  const keys = keysFor(prefix);

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });

  afterAll(async () => {
    await removeKeys(prefix, redis);
    await redis.quit();
  });

  it('keeps the lease through a sweep longer than one lease period; the other copy never sweeps', async () => {
    const github = slowGitHub(1200);
    const copy = () =>
      startSweeper({
        github,
        state: redisSweepState(redis, keys),
        lease: new Lease(redis, keys.sweepLease),
        log: captureLogger().log,
        intervalMs: 3600_000,
        initialDelayMs: 3600_000,
        lookbackHours: 1,
        maxPerSweep: 50,
        leaseMs: 1500,
      });
    const a = copy();
    const b = copy();
    const first = a.sweepNow();
    const others: SweepOutcome[] = [];
    let done = false;
    void first.then(() => (done = true));
    while (!done) {
      others.push(await b.sweepNow());
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await first).ran).toBe(true);
    expect(others.length).toBeGreaterThan(5);
    expect(others.every((o) => !o.ran && o.reason === 'another copy holds the lease')).toBe(true);
    expect(github.calls).toEqual([1, 2]);
    // Held for the rest of the interval after the sweep, so the fleet sweeps once per interval.
    expect(await redis.pttl(keys.sweepLease)).toBeGreaterThan(60_000);
    await a.stop();
    await b.stop();
    expect(await redis.exists(keys.sweepLease)).toBe(0);
  });
});
