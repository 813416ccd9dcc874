import { createRedis, type Redis } from '@solstice/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl, uniqueName } from '../../../../../test/support/servers.js';
import { waitFor } from '../../../../../test/support/wait.js';
import { Lease } from '../../../src/recovery/lease.js';

describe('Lease (real Redis)', () => {
  let redis: Redis;
  const created: string[] = [];
  const newKey = () => {
    const key = `${uniqueName('lease')}:sweep:lease`;
    created.push(key);
    return key;
  };

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });

  afterAll(async () => {
    if (created.length > 0) await redis.del(...created);
    await redis.quit();
  });

  it('is held by one copy at a time', async () => {
    const key = newKey();
    const a = new Lease(redis, key);
    const b = new Lease(redis, key);
    expect(await a.acquire(10_000)).toBe(true);
    expect(await b.acquire(10_000)).toBe(false);
    expect(await redis.get(key)).toBe(a.token);
  });

  it('is renewed, not refused, when its holder takes it again', async () => {
    const key = newKey();
    const a = new Lease(redis, key);
    expect(await a.acquire(1000)).toBe(true);
    expect(await a.acquire(60_000)).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(1000);
  });

  it('frees itself when it expires, so a copy that died does not block the others', async () => {
    const key = newKey();
    const dead = new Lease(redis, key);
    const alive = new Lease(redis, key);
    expect(await dead.acquire(100)).toBe(true);
    await waitFor(() => alive.acquire(10_000), 'the expired lease to be taken');
    expect(await redis.get(key)).toBe(alive.token);
  });

  it('is extended and released only by its holder', async () => {
    const key = newKey();
    const holder = new Lease(redis, key);
    const other = new Lease(redis, key);
    await holder.acquire(10_000);
    expect(await other.extend(60_000)).toBe(false);
    expect(await other.release()).toBe(false);
    expect(await redis.get(key)).toBe(holder.token);
    expect(await holder.extend(60_000)).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(10_000);
    expect(await holder.release()).toBe(true);
    expect(await redis.exists(key)).toBe(0);
  });

  it('is not released by a copy whose lease expired and was taken by another', async () => {
    const key = newKey();
    const late = new Lease(redis, key);
    const next = new Lease(redis, key);
    await late.acquire(50);
    await waitFor(() => next.acquire(10_000), 'the lease to pass on');
    expect(await late.release()).toBe(false);
    expect(await late.extend(10_000)).toBe(false);
    expect(await redis.get(key)).toBe(next.token);
  });
});
