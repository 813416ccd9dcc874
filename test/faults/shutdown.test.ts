import { existsSync } from 'node:fs';
import { connect } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stageMain } from '@solstice/cli/stage-process';
import {
  closeRedis,
  createRedis,
  envelopeToFields,
  keysFor,
  SHUTDOWN_LIMITS,
  type Redis,
} from '@solstice/shared';
import { jobEnvelope } from '../support/fixtures.js';
import { prefixPool } from '../support/keys.js';
import { startStage, stopStages, type StageProcess } from '../support/processes.js';
import { amqpUrl, redisUrl, uniqueName } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const built = existsSync(stageMain('publisher'));
if (!built) console.warn('skipping the shutdown tests: run npm run build first');

/**
 * SIGTERM with work in hand, at the stop bounds users get (SHUTDOWN_LIMITS): the publisher, a
 * real process, is caught holding a batch by stopping it (SIGSTOP) while its blocked read is
 * answered, then continued and given SIGTERM. With Redis reachable it commits and exits 0;
 * with Redis cut it exits by itself, 1, naming the entries it left pending.
 */
describe.skipIf(!built)('shutdown within the grace period (a real stage process)', () => {
  let redis: Redis;
  const stages: StageProcess[] = [];
  const proxies: TcpProxy[] = [];
  const topologies: string[][] = [];
  const prefixes = prefixPool('shutdown');

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterEach(async () => {
    await stopStages(stages.splice(0));
    for (const p of proxies.splice(0)) await p.close();
    await prefixes.removeAll();
    const conn = await connect(amqpUrl());
    try {
      for (const [queue, dlq, exchange, dlx] of topologies.splice(0)) {
        const ch = await conn.createChannel();
        for (const q of [queue!, dlq!]) await ch.deleteQueue(q);
        for (const x of [exchange!, dlx!]) await ch.deleteExchange(x);
        await ch.close();
      }
    } finally {
      await conn.close();
    }
  });
  afterAll(async () => {
    await closeRedis(redis);
  });

  /** A publisher on its own names; its Redis through `proxy` when given. */
  async function publisher(consumer: string, proxy?: TcpProxy) {
    const prefix = prefixes.next();
    const names = {
      AMQP_QUEUE: uniqueName('shutdown.q'),
      AMQP_DLQ: uniqueName('shutdown.dlq'),
      AMQP_EXCHANGE: uniqueName('shutdown.x'),
      AMQP_DLX: uniqueName('shutdown.dlx'),
    };
    topologies.push(Object.values(names));
    const stage = await startStage('publisher', {
      REDIS_URL: proxy ? proxy.urlFor(redisUrl()) : redisUrl(),
      AMQP_URL: amqpUrl(),
      STREAM_PREFIX: prefix,
      CONSUMER_NAME: consumer,
      // Long enough that the read blocked at SIGSTOP is still waiting when the jobs arrive.
      STAGE_BLOCK_MS: '60000',
      ...names,
    });
    stages.push(stage);
    await stage.waitReady();
    return { stage, keys: keysFor(prefix), queue: names.AMQP_QUEUE };
  }

  /**
   * Stops the process while its XREADGROUP is blocked, adds `n` jobs and waits until Redis
   * has handed them to it (pending under its name): continued, it holds them.
   */
  async function catchHolding(stage: StageProcess, consumer: string, stream: string, n: number) {
    await waitFor(
      async () =>
        ((await redis.call('CLIENT', 'LIST')) as string)
          .split('\n')
          .some(
            (l) =>
              l.includes(`name=publisher:${consumer}:reader `) &&
              l.includes(' flags=b ') &&
              l.includes('cmd=xreadgroup'),
          ),
      'the publisher blocked in its read',
      20_000,
      50,
    );
    stage.pause();
    // One transaction: the blocked read is answered once, with all of them.
    const tx = redis.multi();
    for (let i = 0; i < n; i++)
      tx.xadd(stream, '*', ...Object.entries(envelopeToFields(jobEnvelope())).flat());
    const ids = ((await tx.exec()) ?? []).map(([err, id]) => {
      if (err) throw err;
      return id as string;
    });
    await waitFor(
      async () => {
        const rows = (await redis.xpending(stream, 'publisher', '-', '+', 100)) as [
          string,
          string,
        ][];
        return rows.filter(([, c]) => c === consumer).length === n;
      },
      `the ${n} jobs delivered to the stopped publisher`,
      20_000,
      50,
    );
    return ids;
  }

  it('with Redis cut and a batch in hand, exits by itself with code 1 and logs the entries left pending', async () => {
    const target = new URL(redisUrl());
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    proxies.push(proxy);
    const consumer = uniqueName('cut');
    const { stage, keys } = await publisher(consumer, proxy);
    const ids = await catchHolding(stage, consumer, keys.jobs, 3);

    proxy.pause(); // Redis unreachable: every connection cut, new ones refused
    stage.resume();
    // More than SHUTDOWN_LIMITS.exitMs: the stage must end itself; a SIGKILL would show.
    const exit = await stage.stop(SHUTDOWN_LIMITS.exitMs + 15_000);

    expect(exit).toEqual({ code: 1, signal: null });
    const summary = stage
      .json()
      .find((l) => l.msg?.toString().startsWith('closed with something left'));
    expect(summary, stage.logs.slice(-15).join('\n')).toBeDefined();
    expect(summary!.notClosed).toContain('stream runner: timed out');
    expect((summary!.pending as Record<string, string[]>)['stream runner']?.sort()).toEqual(
      [...ids].sort(),
    );
    // Still pending in Redis under its name: another copy takes them over.
    const rows = (await redis.xpending(keys.jobs, 'publisher', '-', '+', 100)) as [
      string,
      string,
    ][];
    expect(
      rows
        .filter(([, c]) => c === consumer)
        .map(([id]) => id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('healthy, with a batch in hand, commits it and exits 0: nothing lost', async () => {
    const consumer = uniqueName('ok');
    const { stage, keys, queue } = await publisher(consumer);
    const ids = await catchHolding(stage, consumer, keys.jobs, 3);

    stage.resume();
    const exit = await stage.stop(SHUTDOWN_LIMITS.exitMs + 15_000);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(stage.json().some((l) => l.msg === 'closed cleanly')).toBe(true);
    expect((await redis.xpending(keys.jobs, 'publisher'))[0]).toBe(0);
    // Each job published once and handed on to the reporter's stream.
    expect(await redis.xlen(keys.checks)).toBe(ids.length);
    const conn = await connect(amqpUrl());
    try {
      const ch = await conn.createChannel();
      expect((await ch.checkQueue(queue)).messageCount).toBe(ids.length);
    } finally {
      await conn.close();
    }
  });

  it('still starting (RabbitMQ unreachable), exits on SIGTERM by itself with code 1', async () => {
    const stage = await startStage('publisher', {
      REDIS_URL: redisUrl(),
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1/%2f', // nothing listens: it keeps connecting
      STREAM_PREFIX: prefixes.next(),
      AMQP_QUEUE: uniqueName('shutdown.q'),
      AMQP_DLQ: uniqueName('shutdown.dlq'),
      AMQP_EXCHANGE: uniqueName('shutdown.x'),
      AMQP_DLX: uniqueName('shutdown.dlx'),
    });
    stages.push(stage);
    await stage.waitForLog(/AMQP connect failed/);
    // Not the default action (killed by SIGTERM, which PID 1 in a container ignores): its own exit.
    expect(await stage.stop(SHUTDOWN_LIMITS.exitMs + 15_000)).toEqual({ code: 1, signal: null });
    expect(stage.logs.some((l) => l.includes('SIGTERM before it had started: exiting'))).toBe(true);
  });
});
