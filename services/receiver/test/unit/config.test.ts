import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigReader } from '@solstice/shared';
import { readReceiverConfig } from '../../src/config.js';
import { readHttpLimits } from '../../src/http-limits.js';

const dir = mkdtempSync(join(tmpdir(), 'receiver-config-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

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
      metricsAddr: '0.0.0.0:9100',
      webhookPath: '/webhooks/github',
      webhookSecrets: [],
      secretVariable: undefined,
      allowedRepos: [],
      allowedOwners: [],
      bodyLimit: 25 * 1024 * 1024,
      limits: {
        maxConnections: 512,
        maxBufferedBytes: 64 * 1024 * 1024,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 15_000,
        keepAliveTimeoutMs: 5_000,
      },
      dedupeTtlSeconds: 7 * 24 * 3600,
      minReplicasAck: 0,
      replicasAckTimeoutMs: 500,
      checkSuiteRequested: false,
      redisUrl: 'redis://127.0.0.1:6379',
      streamPrefix: 'solstice',
      logLevel: 'info',
      production: false,
      setup: {
        credentialsDir: undefined,
        webhookUrl: undefined,
        githubWebUrl: 'https://github.com',
        apiBase: 'https://api.github.com',
      },
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

  it('starts in production without a secret (the setup state, not a configuration error)', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([]);
    expect(readReceiverConfig({ env: { NODE_ENV: 'production' } })).toMatchObject({
      production: true,
      webhookSecrets: [],
    });
  });

  it('names WEBHOOK_URL and GITHUB_WEB_URL when they are not http(s) URLs', () => {
    expect(problems({ WEBHOOK_URL: 'ftp://x/y', GITHUB_WEB_URL: 'nope' })).toEqual([
      "WEBHOOK_URL: expected a URL starting https: or http:, got 'ftp://x/y'",
      "GITHUB_WEB_URL: expected a URL (https: or http:), got 'nope'",
    ]);
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

  it('reads the secrets from GITHUB_WEBHOOK_SECRET_FILE, without its trailing newline', () => {
    const c = readReceiverConfig({
      env: { GITHUB_WEBHOOK_SECRET_FILE: file('secret', 'old-one,new-one\n') },
    });
    expect(c.webhookSecrets).toEqual(['old-one', 'new-one']);
    expect(c.secretVariable).toBe('GITHUB_WEBHOOK_SECRET_FILE');
    const crlf = readReceiverConfig({
      env: { GITHUB_WEBHOOK_SECRET_FILE: file('crlf', 's3cret\r\n') },
    });
    expect(crlf.webhookSecrets).toEqual(['s3cret']);
    // The file form counts as a secret for NODE_ENV=production.
    expect(
      problems({ NODE_ENV: 'production', GITHUB_WEBHOOK_SECRET_FILE: file('p', 'x\n') }),
    ).toEqual([]);
  });

  it('names an unreadable or empty secret file, or a secret set both ways, in one line', () => {
    expect(problems({ GITHUB_WEBHOOK_SECRET_FILE: join(dir, 'missing') })).toEqual([
      expect.stringMatching(/^GITHUB_WEBHOOK_SECRET_FILE: expected a readable file .*ENOENT/),
    ]);
    expect(problems({ GITHUB_WEBHOOK_SECRET_FILE: file('empty', '\n') })).toEqual([
      expect.stringMatching(/^GITHUB_WEBHOOK_SECRET_FILE: .*empty/),
    ]);
    expect(
      problems({ GITHUB_WEBHOOK_SECRET: 'a', GITHUB_WEBHOOK_SECRET_FILE: file('both', 'b') }),
    ).toEqual([
      'GITHUB_WEBHOOK_SECRET_FILE: expected either GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_FILE, not both',
    ]);
  });

  it('refuses secrets given as flags (visible in ps), one line each saying where to put them', () => {
    const lines = problems({ NODE_ENV: 'production' }, [
      '--github-webhook-secret',
      'shown-in-ps',
      '--webhook-secret=also-shown',
      '--redis-url',
      'redis://:hunter2@127.0.0.1:6379',
    ]);
    expect(lines).toEqual([
      '--github-webhook-secret: a secret is not taken as a command-line flag (visible in ps); set GITHUB_WEBHOOK_SECRET in the environment, or GITHUB_WEBHOOK_SECRET_FILE to a file holding it',
      '--webhook-secret: a secret is not taken as a command-line flag (visible in ps); set WEBHOOK_SECRET in the environment',
      '--redis-url: a secret is not taken as a command-line flag (visible in ps); set REDIS_URL in the environment',
    ]);
    expect(lines.join('\n')).not.toMatch(/shown|hunter2/);
    // A file's path and a URL without a password are fine as flags.
    const c = readReceiverConfig({
      env: {},
      argv: [
        '--github-webhook-secret-file',
        file('flagged', 'from-file\n'),
        '--redis-url',
        'redis://127.0.0.1:6379',
      ],
    });
    expect(c.webhookSecrets).toEqual(['from-file']);
  });

  it('refuses the App key given as a flag, in one line', () => {
    const lines = problems({ GITHUB_APP_ID: '1' }, ['--github-app-key', 'PEM']);
    expect(lines).toEqual([
      '--github-app-key: a secret is not taken as a command-line flag (visible in ps); set GITHUB_APP_KEY in the environment',
    ]);
  });

  it('takes the secret from CREDENTIALS_DIR only when no explicit setting is given, never mixing sources', () => {
    const creds = mkdtempSync(join(dir, 'credentials-'));
    writeFileSync(join(creds, 'webhook-secret'), 'from,dir\n');
    const read = (env: Record<string, string>) =>
      readReceiverConfig({ env: { CREDENTIALS_DIR: creds, ...env } });
    // The directory's file holds one secret, taken whole.
    expect(read({})).toMatchObject({
      webhookSecrets: ['from,dir'],
      secretVariable: 'CREDENTIALS_DIR',
    });
    expect(read({ WEBHOOK_SECRET: 'env' })).toMatchObject({
      webhookSecrets: ['env'],
      secretVariable: 'WEBHOOK_SECRET',
    });
    expect(read({ GITHUB_WEBHOOK_SECRET_FILE: file('over-dir', 'file\n') })).toMatchObject({
      webhookSecrets: ['file'],
      secretVariable: 'GITHUB_WEBHOOK_SECRET_FILE',
    });
    // Given but refused (a flag, an unreadable file): an error, not the directory's secret.
    expect(
      problems({ CREDENTIALS_DIR: creds }, ['--github-webhook-secret', 'shown-in-ps']),
    ).toEqual([expect.stringMatching(/^--github-webhook-secret: a secret is not taken/)]);
    expect(
      problems({ CREDENTIALS_DIR: creds, GITHUB_WEBHOOK_SECRET_FILE: join(dir, 'missing') }),
    ).toEqual([expect.stringMatching(/^GITHUB_WEBHOOK_SECRET_FILE: expected a readable file/)]);
  });

  it('names bad HTTP limits in one line each', () => {
    expect(
      problems({
        MAX_BUFFERED_BYTES: String(1024 * 1024),
        HEADERS_TIMEOUT_MS: '20000',
        REQUEST_TIMEOUT_MS: '15000',
        KEEP_ALIVE_TIMEOUT_MS: 'forever',
        METRICS_ADDR: 'nowhere',
      }),
    ).toEqual([
      "METRICS_ADDR: expected host:port, e.g. 0.0.0.0:8082, got 'nowhere'",
      "KEEP_ALIVE_TIMEOUT_MS: expected a whole number from 100 to 60000, got 'forever'",
      `MAX_BUFFERED_BYTES: expected at least BODY_LIMIT (${25 * 1024 * 1024}), got '1048576'`,
      "HEADERS_TIMEOUT_MS: expected at most REQUEST_TIMEOUT_MS (15000), got '20000'",
    ]);
  });

  it('keeps MAX_CONNECTIONS under the open-file limit', () => {
    const limits = (env: Record<string, string>, files: number | undefined) => {
      const r = new ConfigReader({ env });
      const l = readHttpLimits(r, 1024, files);
      return { maxConnections: l.maxConnections, problems: r.problems };
    };
    expect(limits({}, 20_000)).toEqual({ maxConnections: 512, problems: [] });
    expect(limits({}, undefined)).toEqual({ maxConnections: 512, problems: [] });
    // A low limit lowers the default, leaving 64 files for the process.
    expect(limits({}, 256)).toEqual({ maxConnections: 192, problems: [] });
    expect(limits({ MAX_CONNECTIONS: '2000' }, 1024).problems).toEqual([
      "MAX_CONNECTIONS: expected at most 960 (the open-file limit, ulimit -n, is 1024; 64 are kept for the process): lower it or raise the limit, got '2000'",
    ]);
  });
});
