import { createRedis, keysFor, type Redis } from '@solstice/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeKeys } from '../../../../../test/support/keys.js';
import { redisUrl, uniqueName } from '../../../../../test/support/servers.js';
import { redisSweepState, type Claim } from '../../../src/recovery/sweep-state.js';

// The redelivery markers' scripts, against real Redis: two sweeps never both get a turn.
describe('redelivery markers (real Redis)', () => {
  let redis: Redis;
  const prefix = uniqueName('markers');
  const keys = keysFor(prefix);
  const state = () => redisSweepState(redis, keys);
  const claim = (over: Partial<Claim> = {}): Claim => ({
    token: 'a',
    ttlSeconds: 3600,
    now: 1000,
    nextAt: 61_000,
    maxAttempts: 3,
    ...over,
  });

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterAll(async () => {
    await removeKeys(prefix, redis);
    await redis.quit();
  });

  it('counts attempts, waits out the back-off, stops at maxAttempts, and expires with the window', async () => {
    const s = state();
    expect(await s.claimRedelivery('g1', claim())).toBe(true);
    expect(await s.claimRedelivery('g1', claim({ token: 'b' }))).toBe(false);
    expect(await s.markers(['g1', 'g2'])).toEqual(
      new Map([['g1', { attempts: 1, nextAt: 61_000 }]]),
    );
    expect(await s.claimRedelivery('g1', claim({ now: 61_000, nextAt: 200_000 }))).toBe(true);
    expect(await s.claimRedelivery('g1', claim({ now: 300_000 }))).toBe(true);
    expect(await s.claimRedelivery('g1', claim({ now: 10_000_000 }))).toBe(false);
    expect(await s.claimRedelivery('g1', claim({ force: true }))).toBe(true);
    const ttl = await redis.ttl(keys.sweepRedelivered('g1'));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('takes back only its own claim, one attempt at a time', async () => {
    const s = state();
    await s.claimRedelivery('g3', claim());
    await s.releaseRedelivery('g3', 'someone-else');
    expect((await s.markers(['g3'])).get('g3')?.attempts).toBe(1);
    await s.claimRedelivery('g3', claim({ now: 61_000, token: 'b' }));
    await s.releaseRedelivery('g3', 'b');
    expect((await s.markers(['g3'])).get('g3')).toEqual({ attempts: 1, nextAt: 0 });
    await s.releaseRedelivery('g3', 'b');
    expect(await s.markers(['g3'])).toEqual(new Map());
  });

  it('reads a marker from before attempts were counted (a string) as one attempt', async () => {
    await redis.set(keys.sweepRedelivered('g4'), 'old-token', 'EX', 3600);
    const s = state();
    expect((await s.markers(['g4'])).get('g4')).toEqual({ attempts: 1, nextAt: 0 });
    expect(await s.claimRedelivery('g4', claim({ maxAttempts: 1 }))).toBe(false);
    expect(await s.claimRedelivery('g4', claim({ maxAttempts: 2 }))).toBe(true);
    expect((await s.markers(['g4'])).get('g4')?.attempts).toBe(2);
  });
});
