import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigReader, readStageSettings } from '@solstice/shared';

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
      "REDIS_URL: expected a URL starting redis: or rediss:, got 'http://x'",
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
});
