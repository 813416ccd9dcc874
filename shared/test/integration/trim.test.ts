import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, trimStream, type Redis } from '@solstice/shared';
import { redisUrl, uniqueName } from '../../../test/support/servers.js';
import { waitFor } from '../../../test/support/wait.js';

describe('trimStream', () => {
  let redis: Redis;
  const streams: string[] = [];
  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterAll(async () => {
    if (streams.length) await redis.del(...streams);
    await redis.quit();
  });

  async function stream(n: number): Promise<{ s: string; ids: string[] }> {
    const s = uniqueName('trim');
    streams.push(s);
    await redis.xgroup('CREATE', s, 'g', '0', 'MKSTREAM');
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await redis.xadd(s, '*', 'n', String(i)))!);
    return { s, ids };
  }

  it('trims nothing a group has not read yet', async () => {
    const { s } = await stream(10);
    expect(await trimStream(redis, s, { maxLen: 2, maxAgeMs: 0, intervalMs: 0 })).toBe(0);
    expect(await redis.xlen(s)).toBe(10);
  });

  it('trims by length down to the oldest entry still pending', async () => {
    const { s, ids } = await stream(10);
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10, 'STREAMS', s, '>');
    await redis.xack(s, 'g', ...ids.slice(0, 3), ...ids.slice(4)); // ids[3] still pending
    expect(await trimStream(redis, s, { maxLen: 2, maxAgeMs: 0, intervalMs: 0 })).toBe(3);
    const first = (await redis.xrange(s, '-', '+', 'COUNT', 1)) as [string, string[]][];
    expect(first[0]![0]).toBe(ids[3]);
  });

  it('trims by length when everything is acked', async () => {
    const { s, ids } = await stream(10);
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10, 'STREAMS', s, '>');
    await redis.xack(s, 'g', ...ids);
    await trimStream(redis, s, { maxLen: 4, maxAgeMs: 0, intervalMs: 0 });
    expect(await redis.xlen(s)).toBe(4);
  });

  it('trims by age', async () => {
    const { s, ids } = await stream(3);
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10, 'STREAMS', s, '>');
    await redis.xack(s, 'g', ...ids);
    // An entry id starts with the ms it was added at; trimStream compares it with Date.now().
    const newest = Number(ids.at(-1)!.split('-')[0]);
    await waitFor(() => Date.now() - 10 > newest, 'every entry older than 10 ms', 1000, 5);
    await trimStream(redis, s, { maxLen: 0, maxAgeMs: 10, intervalMs: 0 });
    expect(await redis.xlen(s)).toBe(0);
  });
});
