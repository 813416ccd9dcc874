import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigReader,
  readAmqpSettings,
  readSecret,
  readStageSettings,
} from '@solstice/shared';

describe('ConfigReader', () => {
  it('prefers a --kebab-case flag over the environment variable', () => {
    const r = new ConfigReader({
      env: { STREAM_PREFIX: 'env' },
      argv: ['--stream-prefix', 'flag'],
    });
    expect(r.string('STREAM_PREFIX', 'x')).toBe('flag');
    const r2 = new ConfigReader({ env: {}, argv: ['--stream-prefix=eq'] });
    expect(r2.string('STREAM_PREFIX', 'x')).toBe('eq');
  });

  it('names the variable and what was expected for each bad setting', () => {
    const r = new ConfigReader({
      env: { REDIS_URL: 'http://x', STAGE_BATCH_SIZE: 'lots', MAX_DELIVERIES: '0' },
    });
    readStageSettings(r);
    let err: ConfigError | undefined;
    try {
      r.done();
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toEqual([
      "REDIS_URL: expected a URL starting redis: or rediss: or redis+sentinel: or rediss+sentinel:, got 'http://x'",
      "STAGE_BATCH_SIZE: expected a whole number from 1 to 10000, got 'lots'",
      "MAX_DELIVERIES: expected a whole number from 1 to 1000, got '0'",
    ]);
  });

  it('rejects an unknown flag', () => {
    const r = new ConfigReader({ env: {}, argv: ['--no-such-thing', '1'] });
    expect(() => r.done()).toThrow('--no-such-thing: unknown option');
  });

  it('never shows a password in an error line', () => {
    const r = new ConfigReader({ env: { REDIS_URL: 'http://user:hunter2@host' } });
    readStageSettings(r);
    expect(() => r.done()).toThrow(/REDIS_URL/);
    try {
      r.done();
    } catch (e) {
      expect(String(e)).not.toContain('hunter2');
    }
  });

  it('uses the defaults of DESIGN.md when nothing is set', () => {
    const r = new ConfigReader({ env: {} });
    const s = readStageSettings(r);
    r.done();
    expect(s.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(s.streamPrefix).toBe('solstice');
  });

  it('refuses a URL with a password given as a flag (visible in ps), and takes it from the environment', () => {
    const flagged = new ConfigReader({
      env: {},
      argv: ['--amqp-url', 'amqp://publisher:hunter2@rabbit:5672/%2f'],
    });
    readAmqpSettings(flagged);
    expect(flagged.problems).toEqual([
      '--amqp-url: a secret is not taken as a command-line flag (visible in ps); set AMQP_URL in the environment',
    ]);
    const fromEnv = new ConfigReader({
      env: { AMQP_URL: 'amqp://publisher:hunter2@rabbit:5672/%2f' },
    });
    expect(readAmqpSettings(fromEnv).amqpUrl).toContain('hunter2');
    expect(fromEnv.problems).toEqual([]);
  });

  it('reads a secret from the environment only, never from a flag', () => {
    const r = new ConfigReader({ env: { S3_SECRET: 'from-env' }, argv: ['--other-secret', 'x'] });
    expect(readSecret(r, 'S3_SECRET')).toEqual({ value: 'from-env', from: 'S3_SECRET' });
    expect(readSecret(r, 'OTHER_SECRET')).toBeUndefined();
    expect(() => r.done()).toThrow(/^--other-secret: a secret is not taken as a command-line flag/);
  });
});
