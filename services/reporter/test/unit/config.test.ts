import { describe, expect, it } from 'vitest';
import { ConfigError } from '@solstice/shared';
import { generateAppKey } from '@solstice/github-standin';
import { readReporterConfig } from '../../src/config.js';

const key = generateAppKey();
const app = { GITHUB_APP_ID: '42', GITHUB_APP_KEY: key };

const problems = (env: Record<string, string>, argv: string[] = []): string[] => {
  try {
    readReporterConfig({ env, argv });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('reporter configuration', () => {
  it('has the documented defaults', () => {
    const c = readReporterConfig({ env: app });
    expect(c.stage.metricsAddr).toBe('0.0.0.0:9103');
    expect(c.amqp).toMatchObject({
      exchange: 'solstice.jobs',
      resultsRoutingKey: 'jobresult.v1',
      resultsQueue: 'solstice.results.v1',
      queueType: 'classic',
      prefetch: 16,
    });
    expect(c.checkName).toBe('Solstice CI');
    expect(c.checkRecordTtlSeconds).toBe(14 * 86_400);
    expect(c.logsBaseUrl).toBeUndefined();
    expect(c.s3).toBeUndefined();
    expect(c.github.app.appId).toBe(42);
    expect(c.github.writeMinMs).toBe(1000);
    expect(c.writers).toEqual({
      leaseMs: 10_000,
      concurrency: 32,
      retry: { maxAttempts: 20, baseMs: 1000, maxMs: 60_000 },
      replicaAck: { minReplicasAck: 0, replicasAckTimeoutMs: 500 },
    });
    expect(c.warnings).toEqual([]);
  });

  it('names CHECK_CREATE_LEASE_MS, which is no longer read, in a warning rather than failing', () => {
    const c = readReporterConfig({ env: { ...app, CHECK_CREATE_LEASE_MS: '5000' } });
    expect(c.warnings).toEqual([
      expect.stringMatching(/^CHECK_CREATE_LEASE_MS is no longer read: .*WRITER_LEASE_MS/),
    ]);
    expect(problems(app, ['--check-create-lease-ms', '5000'])).toEqual([]);
  });

  it('refuses to start without GitHub App credentials, in one line naming the variable', () => {
    const lines = problems({});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^GITHUB_APP_ID: .*reporter writes Check Runs/);
  });

  it('says once what is wrong with a bad key, not twice', () => {
    const lines = problems({ GITHUB_APP_ID: '42', GITHUB_APP_KEY: 'not a key' });
    expect(lines).toEqual([expect.stringMatching(/^GITHUB_APP_KEY: expected a PEM private key/)]);
  });

  it('takes LOGS_BASE_URL, else the deprecated ORCH_HTTP_BASE, without a trailing slash', () => {
    expect(readReporterConfig({ env: { ...app, LOGS_BASE_URL: 'http://o:1/' } })).toMatchObject({
      logsBaseUrl: 'http://o:1',
      logsBaseUrlDeprecated: false,
    });
    expect(readReporterConfig({ env: { ...app, ORCH_HTTP_BASE: 'http://old:2' } })).toMatchObject({
      logsBaseUrl: 'http://old:2',
      logsBaseUrlDeprecated: true,
    });
  });

  it('takes flags before environment variables', () => {
    const c = readReporterConfig({
      env: { ...app, RESULTS_PREFETCH: '4' },
      argv: ['--results-prefetch', '32', '--github-check-name=Nightly'],
    });
    expect(c.amqp.prefetch).toBe(32);
    expect(c.checkName).toBe('Nightly');
  });

  it('needs S3_ENDPOINT, S3_BUCKET and LOGS_BASE_URL together for log uploads', () => {
    expect(problems({ ...app, S3_ENDPOINT: 'http://s3:9000' })).toEqual([
      expect.stringMatching(/^S3_BUCKET: /),
    ]);
    expect(problems({ ...app, S3_ENDPOINT: 'http://s3:9000', S3_BUCKET: 'b' })).toEqual([
      expect.stringMatching(/^LOGS_BASE_URL: /),
    ]);
    const c = readReporterConfig({
      env: { ...app, S3_ENDPOINT: 'http://s3:9000/', S3_BUCKET: 'b', LOGS_BASE_URL: 'http://o' },
    });
    expect(c.s3).toEqual({
      endpoint: 'http://s3:9000',
      bucket: 'b',
      region: 'us-east-1',
      publicBaseUrl: 'http://s3:9000/b',
    });
  });

  it('names every bad setting', () => {
    const lines = problems({
      ...app,
      RESULTS_PREFETCH: '0',
      CHECK_RECORD_TTL_DAYS: 'soon',
      LOGS_BASE_URL: 'ftp://x',
      AMQP_QUEUE_TYPE: 'stream',
      WRITER_LEASE_MS: '10',
      WRITER_CONCURRENCY: '0',
      WRITE_MAX_ATTEMPTS: 'many',
    });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual([
      'AMQP_QUEUE_TYPE',
      'CHECK_RECORD_TTL_DAYS',
      'LOGS_BASE_URL',
      'RESULTS_PREFETCH',
      'WRITER_CONCURRENCY',
      'WRITER_LEASE_MS',
      'WRITE_MAX_ATTEMPTS',
    ]);
  });
});
