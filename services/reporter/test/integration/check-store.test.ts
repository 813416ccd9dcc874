import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, keysFor, type Redis } from '@solstice/shared';
import { createCheckStore } from '../../src/adapters/check-store.js';
import type { CheckRecord } from '../../src/check-record.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { waitFor } from '../../../../test/support/wait.js';
import { redisUrl, uniqueName } from '../../../../test/support/servers.js';

describe('Check Run records in Redis', () => {
  const prefix = uniqueName('store');
  const keys = keysFor(prefix);
  let redis: Redis;
  let n = 0;
  const record = (): CheckRecord => ({
    request_id: `req-${++n}`,
    state: 'creating',
    owner: 'o',
    repo: 'r',
    head_sha: 'a'.repeat(40),
    name: 'CI / build',
  });
  const storeWith = (leaseMs: number) =>
    createCheckStore({ redis, keyFor: keys.checkRun, ttlSeconds: 60, leaseMs });

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterAll(async () => {
    await removeKeys(prefix, redis);
    await redis.quit();
  });

  it('lets one claimer of a request create its run; the other sees the claim', async () => {
    const store = storeWith(60_000);
    const rec = record();
    const [a, b] = await Promise.all([store.claim(rec, 'A'), store.claim(rec, 'B')]);
    const kinds = [a.kind, b.kind].sort();
    expect(kinds).toEqual(['claimed', 'held']);
    const held = a.kind === 'held' ? a : b;
    expect(held).toMatchObject({ record: { state: 'creating', claim: expect.any(String) } });
    expect(await redis.ttl(keys.checkRun(rec.request_id))).toBeGreaterThan(50);
  });

  it('stores the settled record in place of its own claim only', async () => {
    const store = storeWith(60_000);
    const rec = record();
    await store.claim(rec, 'A');
    const refused = await store.settle({ ...rec, state: 'queued', check_run_id: 9 }, 'B');
    expect(refused).toMatchObject({ state: 'creating', claim: 'A' });
    expect(await store.settle({ ...rec, state: 'queued', check_run_id: 4_000_000_123 }, 'A')).toBe(
      undefined,
    );
    expect(await store.get(rec.request_id)).toEqual({
      ...rec,
      state: 'queued',
      check_run_id: 4_000_000_123,
    });
    expect(await store.claim(rec, 'C')).toMatchObject({
      kind: 'held',
      record: { state: 'queued' },
    });
  });

  it('lets a claim older than the lease be taken over (its holder died)', async () => {
    const store = storeWith(50);
    const rec = record();
    expect((await store.claim(rec, 'A')).kind).toBe('claimed');
    expect((await store.claim(rec, 'B')).kind).toBe('held');
    const next = await waitFor(async () => {
      const claim = await store.claim(rec, 'B');
      return claim.kind !== 'held' && claim;
    }, 'the 50 ms lease to lapse');
    expect(next.kind).toBe('took-over');
    expect(await store.settle({ ...rec, state: 'queued', check_run_id: 1 }, 'A')).toMatchObject({
      claim: 'B',
    });
  });

  it('drops a released claim, or ages it when GitHub may have created the run', async () => {
    const store = storeWith(60_000);
    const gone = record();
    await store.claim(gone, 'A');
    await store.release(gone.request_id, 'A', false);
    expect(await store.get(gone.request_id)).toBeUndefined();

    const unsure = record();
    await store.claim(unsure, 'A');
    await store.release(unsure.request_id, 'B', true); // not B's claim: left alone
    expect((await store.claim(unsure, 'C')).kind).toBe('held');
    await store.release(unsure.request_id, 'A', true);
    expect((await store.claim(unsure, 'C')).kind).toBe('took-over');
  });
});
