import { describe, expect, it } from 'vitest';
import { ConfigError } from '@solstice/shared';
import { readReceiverConfig } from '../../src/config.js';

const problems = (env: Record<string, string>, argv: string[] = []): string[] => {
  try {
    readReceiverConfig({ env, argv });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('receiver configuration', () => {
  it('has the documented defaults, and no secret means dev mode', () => {
    const { recovery, ...rest } = readReceiverConfig({ env: {} });
    expect(recovery.enabled).toBe(false); // no App credentials: no recovery sweep
    expect(rest).toEqual({
      httpAddr: '0.0.0.0:8082',
      webhookPath: '/webhooks/github',
      webhookSecrets: [],
      secretVariable: undefined,
      allowedRepos: [],
      allowedOwners: [],
      bodyLimit: 25 * 1024 * 1024,
      dedupeTtlSeconds: 7 * 24 * 3600,
      checkSuiteRequested: false,
      redisUrl: 'redis://127.0.0.1:6379',
      streamPrefix: 'solstice',
      logLevel: 'info',
    });
  });

  it('takes several secrets separated by commas', () => {
    const c = readReceiverConfig({ env: { GITHUB_WEBHOOK_SECRET: 'old, new' } });
    expect(c.webhookSecrets).toEqual(['old', 'new']);
    expect(c.secretVariable).toBe('GITHUB_WEBHOOK_SECRET');
  });

  it('falls back to WEBHOOK_SECRET, and prefers GITHUB_WEBHOOK_SECRET when both are set', () => {
    expect(readReceiverConfig({ env: { WEBHOOK_SECRET: 'w' } })).toMatchObject({
      webhookSecrets: ['w'],
      secretVariable: 'WEBHOOK_SECRET',
    });
    expect(
      readReceiverConfig({ env: { WEBHOOK_SECRET: 'w', GITHUB_WEBHOOK_SECRET: 'g' } })
        .webhookSecrets,
    ).toEqual(['g']);
  });

  it('refuses to start in production without a secret, in one line naming GITHUB_WEBHOOK_SECRET', () => {
    const lines = problems({ NODE_ENV: 'production' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^GITHUB_WEBHOOK_SECRET: .*NODE_ENV=production/);
    expect(problems({ NODE_ENV: 'production', WEBHOOK_SECRET: 's' })).toEqual([]);
  });

  it('names a secret variable that holds only commas', () => {
    expect(problems({ GITHUB_WEBHOOK_SECRET: ' , ,' })).toEqual([
      expect.stringMatching(/^GITHUB_WEBHOOK_SECRET: expected one or more secrets/),
    ]);
  });

  it('names a bad HTTP_ADDR in one line', () => {
    expect(problems({ HTTP_ADDR: 'localhost' })).toEqual([
      "HTTP_ADDR: expected host:port, e.g. 0.0.0.0:8082, got 'localhost'",
    ]);
    expect(problems({ HTTP_ADDR: '0.0.0.0:99999' })).toEqual([
      expect.stringMatching(/^HTTP_ADDR: /),
    ]);
  });

  it('names a bad BODY_LIMIT in one line', () => {
    expect(problems({ BODY_LIMIT: '25mb' })).toEqual([
      expect.stringMatching(/^BODY_LIMIT: expected a whole number from 1024 to \d+, got '25mb'$/),
    ]);
    expect(problems({ BODY_LIMIT: '0' })).toEqual([expect.stringMatching(/^BODY_LIMIT: /)]);
    expect(readReceiverConfig({ env: { BODY_LIMIT: '4096' } }).bodyLimit).toBe(4096);
  });

  it('reads the allowlists as globs and names a bad one', () => {
    const c = readReceiverConfig({
      env: { ALLOWED_REPOS: 'octo-org/*, me/one', ALLOWED_OWNERS: 'octo-?' },
    });
    expect(c.allowedRepos).toEqual(['octo-org/*', 'me/one']);
    expect(c.allowedOwners).toEqual(['octo-?']);
    expect(problems({ ALLOWED_OWNERS: 'octo-*,bad owner' })).toEqual([
      expect.stringMatching(/^ALLOWED_OWNERS: .*got 'bad owner'$/),
    ]);
  });

  it('takes flags before environment variables', () => {
    const c = readReceiverConfig({
      env: { HTTP_ADDR: '127.0.0.1:1', CHECK_SUITE_REQUESTED: 'false' },
      argv: ['--http-addr', '127.0.0.1:0', '--check-suite-requested=true'],
    });
    expect(c.httpAddr).toBe('127.0.0.1:0');
    expect(c.checkSuiteRequested).toBe(true);
  });

  it('names every bad setting, one line each', () => {
    const lines = problems({
      WEBHOOK_PATH: 'webhooks',
      DEDUPE_TTL_SECONDS: 'week',
      CHECK_SUITE_REQUESTED: 'maybe',
      REDIS_URL: 'http://x',
      STREAM_PREFIX: 'a b',
      LOG_LEVEL: 'loud',
    });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual([
      'CHECK_SUITE_REQUESTED',
      'DEDUPE_TTL_SECONDS',
      'LOG_LEVEL',
      'REDIS_URL',
      'STREAM_PREFIX',
      'WEBHOOK_PATH',
    ]);
  });
});
