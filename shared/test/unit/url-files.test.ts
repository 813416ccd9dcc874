import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigReader,
  readAmqpSettings,
  readRedisSettings,
  type ConfigSource,
} from '@solstice/shared';

const dir = mkdtempSync(join(tmpdir(), 'solstice-url-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The URLs read, or the problem lines. */
function read(source: ConfigSource): { redisUrl: string; amqpUrl: string } | string[] {
  const r = new ConfigReader(source);
  const { redisUrl } = readRedisSettings(r);
  const { amqpUrl } = readAmqpSettings(r);
  try {
    r.done();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return { redisUrl, amqpUrl };
}

describe('REDIS_URL_FILE and AMQP_URL_FILE', () => {
  it('read each URL from its file, without the trailing newline', () => {
    expect(
      read({
        env: {
          REDIS_URL_FILE: file('redis-url', 'redis://:pw@redis:6379\n'),
          AMQP_URL_FILE: file('amqp-url', 'amqp://publisher:pw@rabbitmq:5672/%2f\r\n'),
        },
      }),
    ).toEqual({
      redisUrl: 'redis://:pw@redis:6379',
      amqpUrl: 'amqp://publisher:pw@rabbitmq:5672/%2f',
    });
  });

  it('take the file path as a flag too (a path is no secret)', () => {
    expect(read({ env: {}, argv: ['--redis-url-file', file('flag-url', 'redis://r:1')] })).toEqual({
      redisUrl: 'redis://r:1',
      amqpUrl: 'amqp://127.0.0.1:5672/%2f',
    });
  });

  it('check what the file holds like the variable, without showing the password', () => {
    expect(read({ env: { REDIS_URL_FILE: file('bad-url', 'http://:hunter2@x\n') } })).toEqual([
      "REDIS_URL: expected a URL starting redis: or rediss: or redis+sentinel: or rediss+sentinel:, got 'http://:***@x/'",
    ]);
  });

  it('refuse a missing, unreadable or empty file in one line naming the setting', () => {
    expect(read({ env: { AMQP_URL_FILE: join(dir, 'missing') } })).toEqual([
      `AMQP_URL_FILE: expected a readable file holding AMQP_URL, got '${join(dir, 'missing')} (ENOENT)'`,
    ]);
    expect(read({ env: { REDIS_URL_FILE: dir } })).toEqual([
      `REDIS_URL_FILE: expected a readable file holding REDIS_URL, got '${dir} (EISDIR)'`,
    ]);
    expect(read({ env: { REDIS_URL_FILE: file('empty', '\n') } })).toEqual([
      expect.stringMatching(
        /^REDIS_URL_FILE: expected a file holding REDIS_URL, got '.*\(empty\)'$/,
      ),
    ]);
    const locked = file('locked', 'redis://x:1');
    chmodSync(locked, 0o000);
    const problems = read({ env: { REDIS_URL_FILE: locked } });
    // root reads a file whatever its mode: the check holds only for other users
    if (process.getuid?.() !== 0)
      expect(problems).toEqual([expect.stringMatching(/^REDIS_URL_FILE: .*\(EACCES\)'$/)]);
  });

  it('refuse both the variable and its file', () => {
    expect(
      read({
        env: { AMQP_URL: 'amqp://a:1', AMQP_URL_FILE: file('both', 'amqp://b:1') },
      }),
    ).toEqual(['AMQP_URL_FILE: expected either AMQP_URL or AMQP_URL_FILE, not both']);
  });
});
