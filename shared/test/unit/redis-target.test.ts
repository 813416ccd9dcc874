import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigReader,
  parseRedisTarget,
  readRedisSettings,
  redactUrl,
} from '@solstice/shared';

describe('parseRedisTarget', () => {
  it('keeps a redis:// or rediss:// URL as one server', () => {
    expect(parseRedisTarget('redis://127.0.0.1:6379/2')).toEqual({
      kind: 'server',
      url: 'redis://127.0.0.1:6379/2',
    });
    expect(parseRedisTarget('rediss://u:p@h:6380').kind).toBe('server');
  });

  it('reads sentinels, the master name, db and credentials', () => {
    expect(
      parseRedisTarget('redis+sentinel://app:s%40cret@s1:26379,s2,[::1]:26380/solstice-main?db=3'),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'solstice-main',
      db: 3,
      username: 'app',
      password: 's@cret',
      sentinelPassword: undefined,
      tls: false,
    });
  });

  it('takes a password alone, a sentinel password and TLS', () => {
    const t = parseRedisTarget('rediss+sentinel://:pw@s1:26379/m?sentinelPassword=sp');
    expect(t).toMatchObject({
      username: undefined,
      password: 'pw',
      sentinelPassword: 'sp',
      tls: true,
    });
  });

  it.each([
    ['redis+sentinel://s1:26379', 'the master name is missing'],
    ['redis+sentinel://s1:26379/', 'the master name is missing'],
    ['redis+sentinel://s1:99999/m', "bad sentinel address 's1:99999'"],
    ['redis+sentinel://s1:26379,,s2/m', "bad sentinel address ''"],
    ['redis+sentinel:///m', "bad sentinel address ''"],
    ['redis+sentinel://s1/m?db=x', "db: expected a whole number, got 'x'"],
    ['redis+sentinel://s1/m?master=x', "unknown parameter 'master'"],
    ['http://s1/m', 'expected a URL starting redis: or rediss:'],
  ])('refuses %s', (url, message) => {
    expect(() => parseRedisTarget(url)).toThrow(message);
  });
});

describe('REDIS_URL with sentinels', () => {
  const read = (env: Record<string, string>, argv: string[] = []) => {
    const r = new ConfigReader({ env, argv });
    const settings = readRedisSettings(r);
    try {
      r.done();
      return settings.redisUrl;
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('accepts a sentinel URL as the one setting', () => {
    const url = 'redis+sentinel://s1:26379,s2:26379/solstice';
    expect(read({ REDIS_URL: url })).toBe(url);
  });

  it('names REDIS_URL in one line for a bad one, without its password', () => {
    expect(read({ REDIS_URL: 'redis+sentinel://u:hunter2@s1:26379,s2' })).toEqual([
      'REDIS_URL: expected redis+sentinel://[user:pass@]host1:26379,host2:26379/<master-name>[?db=N] ' +
        "(the master name is missing), got 'redis+sentinel://u:***@s1:26379,s2'",
    ]);
  });

  it('refuses a password as a flag', () => {
    const problems = read({}, ['--redis-url', 'redis+sentinel://:pw@s1/m']);
    expect(problems).toEqual([expect.stringContaining('--redis-url: a secret is not taken')]);
  });

  it('hides a sentinel password in logs', () => {
    expect(redactUrl('redis+sentinel://u:pw@s1:26379,s2/m?sentinelPassword=sp&db=1')).toBe(
      'redis+sentinel://u:***@s1:26379,s2/m?sentinelPassword=***&db=1',
    );
  });
});
