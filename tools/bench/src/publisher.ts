import { randomUUID } from 'node:crypto';
import { connect, type ConfirmChannel } from 'amqplib';
import { readServers, sampleEnvelope } from '@solstice/github-standin/harness';
import {
  ConfigReader,
  connectStage,
  createLogger,
  createRedis,
  envelopeToFields,
  keysFor,
  runMain,
} from '@solstice/shared';
import { readPublisherConfig } from '@solstice/publisher/config';
import { startPublisher } from '@solstice/publisher/start-publisher';

/**
 * The publisher stage against a bare amqplib loop on the same data: N JobRequest envelopes
 * in a stream, run (1) the real stage into RabbitMQ with confirms until every entry is acked
 * with its `{P}:checks` record, (2) XREADGROUP → publish each → waitForConfirms → XACK.
 * Prints JobRequests/s of both and the ratio (target: stage ≥ 0.8 × baseline). Every stream,
 * exchange and queue is its own and removed at the end.
 */
runMain('bench:publisher', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const { redisUrl, amqpUrl } = readServers(r);
  const n = r.int('BENCH_N', 20_000, { min: 1, max: 1_000_000 });
  const batch = r.int('STAGE_BATCH_SIZE', 100, { min: 1, max: 10_000 });
  const rounds = r.int('BENCH_ROUNDS', 2, { min: 1, max: 10 });
  const timeoutMs = r.int('BENCH_TIMEOUT_MS', 120_000, { min: 1000 });
  const strict = r.bool('BENCH_STRICT', false);
  r.done();

  const id = randomUUID().slice(0, 8);
  const topology = {
    exchange: `bench.jobs-${id}`,
    routingKey: 'jobrequest.v1',
    queue: `bench.jobs.q-${id}`,
    dlx: `bench.dlx-${id}`,
    dlq: `bench.jobs.dlq-${id}`,
  };
  const redis = createRedis(redisUrl, { role: 'worker' });
  const amqp = await connect(amqpUrl);
  amqp.on('error', () => undefined);
  const ch = await amqp.createConfirmChannel();
  const prefixes: string[] = [];
  const deadline = Date.now() + timeoutMs;
  const log = createLogger({ name: `bench-publisher-${id}`, level: 'warn' });
  const envelopes = Array.from({ length: n }, () => envelopeFields());

  async function fill(count: number): Promise<string> {
    const prefix = `bench-publisher-${id}-${prefixes.length}`;
    prefixes.push(prefix);
    const jobs = keysFor(prefix).jobs;
    for (let i = 0; i < count; i += 1000) {
      const p = redis.pipeline();
      for (const fields of envelopes.slice(i, Math.min(i + 1000, count)))
        p.xadd(jobs, '*', ...fields);
      await p.exec();
    }
    return prefix;
  }

  async function stageRun(count = n): Promise<number> {
    const prefix = await fill(count);
    const config = readPublisherConfig({
      env: {
        REDIS_URL: redisUrl,
        AMQP_URL: amqpUrl,
        STREAM_PREFIX: prefix,
        AMQP_EXCHANGE: topology.exchange,
        AMQP_QUEUE: topology.queue,
        AMQP_DLX: topology.dlx,
        AMQP_DLQ: topology.dlq,
        STAGE_BATCH_SIZE: String(batch),
        STAGE_BLOCK_MS: '50',
      },
    });
    config.stage.metricsAddr = undefined;
    const connections = connectStage(config.stage, 'publisher', log);
    const publisher = await startPublisher(config, connections, log, {
      connectionName: `bench-publisher-${id}`,
    });
    // startPublisher resolves as the confirm channel opens: the runner's first read follows.
    const started = process.hrtime.bigint();
    const checks = keysFor(prefix).checks;
    while ((await redis.xlen(checks)) < count) {
      if (Date.now() > deadline) throw new Error(`stage run: timed out after ${timeoutMs} ms`);
      await sleep(5);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await publisher.close();
    await expectQueued(count);
    return seconds;
  }

  async function baselineRun(count = n): Promise<number> {
    const prefix = await fill(count);
    const jobs = keysFor(prefix).jobs;
    await redis.xgroup('CREATE', jobs, 'baseline', '0');
    const reader = createRedis(redisUrl, { role: 'worker' });
    const started = process.hrtime.bigint();
    let done = 0;
    while (done < count) {
      if (Date.now() > deadline) throw new Error(`baseline: timed out after ${timeoutMs} ms`);
      const reply = (await reader.xreadgroup(
        'GROUP',
        'baseline',
        'bench',
        'COUNT',
        batch,
        'BLOCK',
        50,
        'STREAMS',
        jobs,
        '>',
      )) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      await publishEach(ch, entries);
      await redis.xack(jobs, 'baseline', ...entries.map(([entryId]) => entryId));
      done += entries.length;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    reader.disconnect();
    await expectQueued(count);
    return seconds;
  }

  async function publishEach(channel: ConfirmChannel, entries: [string, string[]][]) {
    const timestamp = Math.floor(Date.now() / 1000);
    for (const [, flat] of entries) {
      const job = flat[flat.indexOf('job') + 1]!;
      const requestId = flat[flat.indexOf('request_id') + 1]!;
      const ok = channel.publish(topology.exchange, topology.routingKey, Buffer.from(job), {
        persistent: true,
        mandatory: true,
        contentType: 'application/json',
        messageId: requestId,
        type: 'jobrequest.v1',
        timestamp,
      });
      if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
  }

  /** Every JobRequest of the run reached the queue; then empties it for the next run. */
  async function expectQueued(count: number) {
    const until = Date.now() + 10_000;
    let seen = 0;
    while ((seen = (await ch.checkQueue(topology.queue)).messageCount) < count) {
      if (Date.now() > until)
        throw new Error(`expected ${count} messages in the queue, saw ${seen}`);
      await sleep(20);
    }
    await ch.purgeQueue(topology.queue);
  }

  const stage: number[] = [];
  const baseline: number[] = [];
  try {
    // A short warm-up of both (JIT, connections, the topology), then rounds in alternating order.
    await stageRun(Math.min(n, 2000));
    await baselineRun(Math.min(n, 2000));
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        stage.push(await stageRun());
        baseline.push(await baselineRun());
      } else {
        baseline.push(await baselineRun());
        stage.push(await stageRun());
      }
    }
  } finally {
    for (const prefix of prefixes) {
      const k = keysFor(prefix);
      await redis.del(k.jobs, k.checks, k.dead(k.jobs), k.errors(k.jobs, 'publisher'));
    }
    const cleanup = await amqp.createChannel();
    cleanup.on('error', () => undefined);
    for (const q of [topology.queue, topology.dlq]) await cleanup.deleteQueue(q);
    for (const x of [topology.exchange, topology.dlx]) await cleanup.deleteExchange(x);
    await amqp.close();
    redis.disconnect();
  }

  // Best of the rounds: the servers are shared, so the slowest round says more about them.
  const rate = (seconds: number[]) => n / Math.min(...seconds);
  const ratio = rate(stage) / rate(baseline);
  const fmt = (seconds: number[]) =>
    `${Math.round(rate(seconds)).toLocaleString('en')} JobRequests/s (best of ${seconds
      .map((s) => s.toFixed(2) + ' s')
      .join(', ')})`;
  process.stdout.write(
    [
      `publisher bench: N=${n}, batch ${batch}, ${rounds} round(s), classic queue, persistent, confirms`,
      `  stage    (XREADGROUP → confirmed publish → ack + {P}:checks in one script): ${fmt(stage)}`,
      `  baseline (XREADGROUP → publish each → waitForConfirms → XACK):            ${fmt(baseline)}`,
      `  ratio stage / baseline: ${ratio.toFixed(2)} (target ≥ 0.80)${ratio < 0.8 ? '  BELOW TARGET' : ''}`,
      '',
    ].join('\n'),
  );
  if (strict && ratio < 0.8) process.exitCode = 1;
});

/** One JobRequest envelope as stream-entry fields, new ids each time. */
function envelopeFields(): string[] {
  return Object.entries(envelopeToFields(sampleEnvelope())).flat();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
