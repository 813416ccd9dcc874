import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, defineScript } from '@solstice/shared';
import { redisUrl, uniqueName } from '../../../test/support/servers.js';

describe('defineScript', () => {
  const a = createRedis(redisUrl(), { role: 'worker' });
  const b = createRedis(redisUrl(), { role: 'request' });
  const key = uniqueName('define-script');
  // A request connection has no offline queue: a command sent before it is ready fails.
  beforeAll(() =>
    Promise.all(
      [a, b].map((c) =>
        c.status === 'ready' ? Promise.resolve() : new Promise((ready) => c.once('ready', ready)),
      ),
    ),
  );
  afterAll(async () => {
    await a.del(key);
    a.disconnect();
    b.disconnect();
  });

  it('runs the script with its keys and arguments on any connection', async () => {
    const incrBy = defineScript<number>(
      'testIncrBy',
      "return redis.call('INCRBY', KEYS[1], ARGV[1])",
    );
    expect(await incrBy(a, [key], [2])).toBe(2);
    expect(await incrBy(b, [key], [3])).toBe(5);
    expect(await incrBy(a, [key], ['1'])).toBe(6);
  });

  it('refuses a second, different script under a name already taken', () => {
    const lua = "return redis.call('GET', KEYS[1])";
    defineScript('testGet', lua);
    expect(() => defineScript('testGet', lua)).not.toThrow();
    expect(() => defineScript('testGet', 'return 1')).toThrow(/two different Lua scripts/);
  });
});
