import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import {
  connectStage,
  createRedis,
  envelopeToFields,
  fieldsToObject,
  keysFor,
  type JobEnvelope,
  type Redis,
} from '@solstice/shared';
import { readPublisherConfig, type PublisherConfig } from '../../src/config.js';
import { startPublisher, type Publisher } from '../../src/start-publisher.js';
import type { JobsTopology } from '../../src/adapters/topology.js';
import { jobEnvelope } from '../../../../test/support/fixtures.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { captureLogger } from '../../../../test/support/log.js';
import { amqpUrl, redisUrl, uniqueName } from '../../../../test/support/servers.js';

export { waitFor } from '../../../../test/support/wait.js';

/** A JobRequest envelope of octo-org/hello-world, job build (new ids each time). */
export const envelopeFor = (job: Partial<JobEnvelope['job']> = {}): JobEnvelope =>
  jobEnvelope({ job });

/** Unique exchange, queue and stream names for one test; removed again by `removeTopology`. */
export function uniqueTopology(over: Partial<JobsTopology> = {}): JobsTopology {
  return {
    exchange: uniqueName('pubtest.jobs'),
    routingKey: 'jobrequest.v1',
    queue: uniqueName('pubtest.jobs.q'),
    dlx: uniqueName('pubtest.dlx'),
    dlq: uniqueName('pubtest.jobs.dlq'),
    queueType: 'classic',
    ...over,
  };
}

export function configFor(
  prefix: string,
  t: JobsTopology,
  env: Record<string, string> = {},
): PublisherConfig {
  return readPublisherConfig({
    env: {
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: prefix,
      AMQP_URL: amqpUrl(),
      AMQP_EXCHANGE: t.exchange,
      AMQP_ROUTING_KEY: t.routingKey,
      AMQP_QUEUE: t.queue,
      AMQP_DLX: t.dlx,
      AMQP_DLQ: t.dlq,
      AMQP_QUEUE_TYPE: t.queueType,
      METRICS_ADDR: '127.0.0.1:0',
      STAGE_BLOCK_MS: '100',
      RETRY_MIN_IDLE_MS: '500',
      CLAIM_INTERVAL_MS: '200',
      CONFIRM_TIMEOUT_MS: '5000',
      ...env,
    },
  });
}

/** Deletes every key the publisher made under `prefix`. */
export const removeStreams = (prefix: string): Promise<void> => removeKeys(prefix);

/** A channel of the test's own (a plain connection, not the publisher's). */
export async function inspector(): Promise<{
  conn: ChannelModel;
  channel: () => Promise<Channel>;
}> {
  const conn = await connect(amqpUrl());
  conn.on('error', () => undefined);
  return {
    conn,
    // A fresh channel per use: a refused operation closes the channel it ran on.
    channel: async () => {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      return ch;
    },
  };
}

export async function removeTopology(t: JobsTopology): Promise<void> {
  const { conn, channel } = await inspector();
  try {
    for (const q of [t.queue, t.dlq]) await (await channel()).deleteQueue(q).catch(() => undefined);
    for (const x of [t.exchange, t.dlx])
      await (await channel()).deleteExchange(x).catch(() => undefined);
  } finally {
    await conn.close();
  }
}

/** Takes every message now in `queue` (acked). */
export async function takeAll(ch: Channel, queue: string): Promise<GetMessage[]> {
  const got: GetMessage[] = [];
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (!m) return got;
    got.push(m);
  }
}

/** A publisher on its own stream prefix, exchange and queues, plus what a test reads back. */
export interface Harness {
  prefix: string;
  topology: JobsTopology;
  keys: ReturnType<typeof keysFor>;
  publisher: Publisher;
  /** The publisher's AMQP connection name (unique: only this test's connection has it). */
  connectionName: string;
  logs: ReturnType<typeof captureLogger>;
  redis: Redis;
  channel: () => Promise<Channel>;
  addJobs(envelopes: JobEnvelope[]): Promise<void>;
  addRaw(fields: Record<string, string>): Promise<void>;
  checks(): Promise<Record<string, string>[]>;
  dead(): Promise<Record<string, string>[]>;
  pending(): Promise<number>;
  counter(outcome: string): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(
  env: Record<string, string> = {},
  topology = uniqueTopology(),
): Promise<Harness> {
  const prefix = uniqueName('pubtest');
  const keys = keysFor(prefix);
  const connectionName = uniqueName('publisher');
  const logs = captureLogger(connectionName, 'info');
  const config = configFor(prefix, topology, env);
  const connections = connectStage(config.stage, 'publisher', logs.log);
  const publisher = await startPublisher(config, connections, logs.log, { connectionName });
  const redis = createRedis(redisUrl(), { role: 'worker' });
  const { conn, channel } = await inspector();
  const read = async (stream: string) =>
    ((await redis.xrange(stream, '-', '+')) as [string, string[]][]).map(([, f]) =>
      fieldsToObject(f),
    );
  return {
    prefix,
    topology,
    keys,
    publisher,
    connectionName,
    logs,
    redis,
    channel,
    async addJobs(envelopes) {
      const p = redis.pipeline();
      for (const e of envelopes)
        p.xadd(keys.jobs, '*', ...Object.entries(envelopeToFields(e)).flat());
      await p.exec();
    },
    async addRaw(fields) {
      await redis.xadd(keys.jobs, '*', ...Object.entries(fields).flat());
    },
    checks: () => read(keys.checks),
    dead: () => read(keys.dead(keys.jobs)),
    async pending() {
      const summary = (await redis.xpending(keys.jobs, 'publisher')) as [number, ...unknown[]];
      return Number(summary[0]);
    },
    async counter(outcome) {
      const metric = await publisher.metrics.registry
        .getSingleMetric('solstice_jobrequests_published_total')
        ?.get();
      return metric?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    },
    async close() {
      await publisher.close();
      await conn.close().catch(() => undefined);
      await removeTopology(topology);
      await removeStreams(prefix);
      redis.disconnect();
    },
  };
}
