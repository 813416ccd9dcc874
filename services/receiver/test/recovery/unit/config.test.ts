import { ConfigError, ConfigReader } from '@solstice/shared';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readRecoveryConfig, type RecoveryConfig } from '../../../src/recovery/config.js';

const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const APP = { GITHUB_APP_ID: '123', GITHUB_APP_KEY: KEY };

function read(env: Record<string, string>): RecoveryConfig {
  const r = new ConfigReader({ env });
  const config = readRecoveryConfig(r);
  r.done();
  return config;
}

function problems(env: Record<string, string>): string[] {
  try {
    read(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('readRecoveryConfig', () => {
  it('is on with the documented defaults when App credentials are set', () => {
    expect(read(APP)).toMatchObject({
      enabled: true,
      intervalMs: 300_000,
      lookbackHours: 72,
      maxPerSweep: 50,
      maxAttempts: 3,
      retryBackoffMs: 300_000,
      hookId: undefined,
    });
  });

  it('backs off one interval by default, and refuses a bad attempt count', () => {
    expect(read({ ...APP, RECOVERY_INTERVAL_MS: '60000' }).retryBackoffMs).toBe(60_000);
    expect(problems({ ...APP, RECOVERY_MAX_ATTEMPTS: '0' })).toEqual([
      "RECOVERY_MAX_ATTEMPTS: expected a whole number from 1 to 20, got '0'",
    ]);
  });

  it('is off without App credentials', () => {
    expect(read({}).enabled).toBe(false);
  });

  it('can be switched off with RECOVERY_ENABLED=false', () => {
    expect(read({ ...APP, RECOVERY_ENABLED: 'false' }).enabled).toBe(false);
  });

  it('refuses RECOVERY_ENABLED=true without App credentials, naming GITHUB_APP_ID', () => {
    expect(problems({ RECOVERY_ENABLED: 'true' })).toEqual([
      expect.stringMatching(/^GITHUB_APP_ID: .*RECOVERY_ENABLED/),
    ]);
  });

  it('refuses to look back further than GitHub keeps deliveries (72 hours)', () => {
    expect(problems({ ...APP, RECOVERY_LOOKBACK_HOURS: '73' })).toEqual([
      "RECOVERY_LOOKBACK_HOURS: expected a whole number from 1 to 72, got '73'",
    ]);
  });

  it('takes GITHUB_APP_HOOK_ID and refuses one that is not a number', () => {
    expect(read({ ...APP, GITHUB_APP_HOOK_ID: '987' }).hookId).toBe('987');
    expect(problems({ ...APP, GITHUB_APP_HOOK_ID: 'hook-1' })).toEqual([
      expect.stringMatching(/^GITHUB_APP_HOOK_ID: expected a positive whole number/),
    ]);
  });

  it('names every bad setting on its own line', () => {
    const lines = problems({ ...APP, RECOVERY_INTERVAL_MS: 'often', RECOVERY_MAX_PER_SWEEP: '0' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^RECOVERY_INTERVAL_MS:/);
    expect(lines[1]).toMatch(/^RECOVERY_MAX_PER_SWEEP:/);
  });
});
