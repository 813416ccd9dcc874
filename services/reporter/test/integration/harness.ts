import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import {
  connectStage,
  createRedis,
  envelopeToFields,
  fieldsToObject,
  keysFor,
  type JobEnvelope,
  type JobResult,
  type Redis,
} from '@solstice/shared';
import type { GitHubStandIn } from '@solstice/github-standin';
import { checkIdentityWriter } from '../../../publisher/src/adapters/check-identities.js';
import { REASON_HEADER } from '../../src/adapters/dead-letters.js';
import { readReporterConfig, type ReporterConfig } from '../../src/config.js';
import { startReporter, type Reporter } from '../../src/start-reporter.js';
import { jobEnvelope, newSha } from '../../../../test/support/fixtures.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { captureLogger } from '../../../../test/support/log.js';
import { amqpUrl, redisUrl, uniqueName } from '../../../../test/support/servers.js';
import { waitFor } from '../../../../test/support/wait.js';

export const OWNER = 'octo-org';
export const INSTALLATION = 7;

export { newSha };

/** An envelope of `{P}:checks`: a JobRequest of OWNER/<repo> at `sha`, as the publisher recorded it. */
export const envelopeFor = (o: {
  repo: string;
  sha: string;
  jobId?: string | null;
  requestId?: string;
  installationId?: number | null;
  workflowError?: string;
}): JobEnvelope =>
  jobEnvelope({
    owner: OWNER,
    installationId: INSTALLATION,
    ...o,
    publishedAt: new Date().toISOString(),
  });

// JobResults as the orchestrator sends them (success unless the job id has "fail").
export { resultFor } from '@solstice/github-standin/harness';

/** The orchestrator's log endpoint: GET /jobs/<id>/logs. */
export async function startLogServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const m = /^\/jobs\/([0-9a-f-]{36})\/logs$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`log of ${m[1]}\nexit 0\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A reporter on its own stream prefix, exchange and queues, plus what a test needs to drive it. */
export interface Harness {
  config: ReporterConfig;
  names: { exchange: string; dlx: string; queue: string };
  reporter: Reporter;
  redis: Redis;
  keys: ReturnType<typeof keysFor>;
  logs: ReturnType<typeof captureLogger>;
  /** What the publisher does for a job: its record first (then its JobRequest would go out). */
  recordPublished(e: JobEnvelope): Promise<void>;
  /** The `{P}:checks` entry of a confirmed JobRequest (no record written). */
  addQueued(e: JobEnvelope): Promise<string>;
  /** recordPublished, then addQueued: a job as the publisher hands it on. */
  published(e: JobEnvelope): Promise<string>;
  publishResult(result: JobResult | string): Promise<void>;
  /** Every message dead-lettered so far (read off the DLQ). */
  takeDead(): Promise<string[]>;
  /** The same, with the reason the reporter gave (its header), if any. */
  takeDeadWithReasons(): Promise<{ body: string; reason: string | undefined }[]>;
  /** The entries of `{P}:checks:dead`. */
  deadEntries(): Promise<Record<string, string>[]>;
  /** Ready messages in the results queue (unacked ones not counted). */
  readyResults(): Promise<number>;
  /** True once every {P}:checks entry added so far has been handled and acked. */
  checksDrained(): Promise<boolean>;
  counter(name: string, labels: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(
  standIn: GitHubStandIn,
  appKey: string,
  env: Record<string, string> = {},
): Promise<Harness> {
  const prefix = uniqueName('reporter');
  const names = {
    exchange: uniqueName('solstice.jobs'),
    dlx: uniqueName('solstice.dlx'),
    queue: uniqueName('solstice.results'),
  };
  const config = readReporterConfig({
    env: {
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: prefix,
      AMQP_URL: amqpUrl(),
      AMQP_EXCHANGE: names.exchange,
      AMQP_DLX: names.dlx,
      AMQP_RESULTS_QUEUE: names.queue,
      GITHUB_API_BASE: standIn.url,
      GITHUB_APP_ID: String(standIn.options.appId),
      GITHUB_APP_KEY: appKey,
      GITHUB_RETRY_BASE_MS: '5',
      GITHUB_WRITE_MIN_MS: '0',
      METRICS_ADDR: '127.0.0.1:0',
      STAGE_BLOCK_MS: '100',
      RETRY_MIN_IDLE_MS: '500',
      CLAIM_INTERVAL_MS: '200',
      RESULT_RETRY_BASE_MS: '20',
      RESULT_RETRY_MAX_MS: '200',
      WRITE_RETRY_BASE_MS: '20',
      WRITE_RETRY_MAX_MS: '200',
      WRITER_LEASE_MS: '2000',
      WRITE_MAX_ATTEMPTS: '3',
      ...env,
    },
  });
  const logs = captureLogger('reporter', 'info');
  const reporter = await startReporter(
    config,
    connectStage(config.stage, 'reporter', logs.log),
    logs.log,
  );
  const redis = createRedis(redisUrl(), { role: 'worker' });
  const keys = keysFor(prefix);
  const amqp: ChannelModel = await connect(amqpUrl());
  const ch: ConfirmChannel = await amqp.createConfirmChannel();
  let lastId = '0-0';
  const recordIdentities = checkIdentityWriter({
    redis,
    keyFor: keys.checkRecord,
    ttlSeconds: config.checkRecordTtlSeconds,
  });
  const addQueued = async (e: JobEnvelope) => {
    lastId = (await redis.xadd(keys.checks, '*', ...Object.entries(envelopeToFields(e)).flat()))!;
    return lastId;
  };
  const takeDead = async () => {
    const out: { body: string; reason: string | undefined }[] = [];
    for (;;) {
      const msg = await ch.get(`${names.queue}.dlq`, { noAck: true });
      if (!msg) return out;
      const reason = msg.properties.headers?.[REASON_HEADER];
      out.push({
        body: msg.content.toString(),
        reason: reason === undefined ? undefined : String(reason),
      });
    }
  };

  return {
    config,
    names,
    reporter,
    redis,
    keys,
    logs,
    recordPublished: (e) => recordIdentities([e]),
    addQueued,
    async published(e) {
      await recordIdentities([e]);
      return addQueued(e);
    },
    async publishResult(result) {
      const body = typeof result === 'string' ? result : JSON.stringify(result);
      ch.publish(names.exchange, config.amqp.resultsRoutingKey, Buffer.from(body), {
        persistent: true,
        contentType: 'application/json',
      });
      await ch.waitForConfirms();
    },
    takeDead: async () => (await takeDead()).map((d) => d.body),
    takeDeadWithReasons: takeDead,
    async deadEntries() {
      const entries = (await redis.xrange(keys.dead(keys.checks), '-', '+')) as [
        string,
        string[],
      ][];
      return entries.map(([, flat]) => fieldsToObject(flat));
    },
    async readyResults() {
      return (await ch.checkQueue(names.queue)).messageCount;
    },
    async checksDrained() {
      const groups = (await redis.xinfo('GROUPS', keys.checks)) as unknown[][];
      const group = groups
        .map((flat) => fieldsToObject(flat.map(String)))
        .find((g) => g.name === 'reporter');
      return group?.pending === '0' && group['last-delivered-id'] === lastId;
    },
    async counter(name, labels) {
      const metric = await reporter.metrics.registry.getSingleMetric(name)?.get();
      const value = metric?.values.find((v) =>
        Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
      );
      return value?.value ?? 0;
    },
    async close() {
      await reporter.close();
      await ch.deleteQueue(names.queue).catch(() => {});
      await ch.deleteQueue(`${names.queue}.dlq`).catch(() => {});
      await ch.deleteExchange(names.exchange).catch(() => {});
      await ch.deleteExchange(names.dlx).catch(() => {});
      await amqp.close();
      await removeKeys(prefix, redis);
      await redis.quit();
    },
  };
}

export { waitFor };
