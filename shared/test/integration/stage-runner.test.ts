import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PermanentError,
  RetryLater,
  StageRunner,
  ackAndAdd,
  createRedis,
  deadStreamOf,
  errorsKeyOf,
  perEntry,
  type BatchHandler,
  type Redis,
  type StageRunnerOptions,
} from '@solstice/shared';
import { removeKeys } from '../../../test/support/keys.js';
import { captureLogger } from '../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../test/support/servers.js';
import { waitFor } from '../../../test/support/wait.js';

type XRange = [string, string[]][];

describe('StageRunner against real Redis', () => {
  let redis: Redis;
  const opened: Redis[] = [];
  const runners: StageRunner[] = [];
  const prefixes: string[] = [];

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    for (const c of opened.splice(0)) c.disconnect();
    await removeKeys(prefixes.splice(0), redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  function names() {
    const p = uniqueName('runner');
    prefixes.push(p);
    return { input: `${p}:in`, output: `${p}:out` };
  }

  function runner(
    over: Partial<StageRunnerOptions> & Pick<StageRunnerOptions, 'stream' | 'handle'>,
  ) {
    const reader = createRedis(redisUrl(), { role: 'worker' });
    const commands = createRedis(redisUrl(), { role: 'worker' });
    opened.push(reader, commands);
    const r = new StageRunner({
      redis: commands,
      reader,
      group: 'test',
      consumer: uniqueName('c'),
      log: captureLogger().log,
      batchSize: 10,
      blockMs: 50,
      claimMinIdleMs: 60_000,
      claimIntervalMs: 100,
      retryMinIdleMs: 200,
      heartbeatIntervalMs: 50,
      heartbeatTtlMs: 300,
      maxDeliveries: 3,
      ...over,
    });
    runners.push(r);
    return { runner: r, reader, commands };
  }

  async function fill(stream: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await redis.xadd(stream, '*', 'n', String(i)))!);
    return ids;
  }

  const copyTo = (output: string): BatchHandler =>
    perEntry(async (e) => [{ stream: output, fields: { n: e.fields.n!, from: e.id } }]);

  async function pending(stream: string): Promise<number> {
    const summary = (await redis.xpending(stream, 'test')) as [number];
    return Number(summary[0]);
  }

  async function outputsByInput(output: string): Promise<Map<string, number>> {
    const entries = (await redis.xrange(output, '-', '+')) as XRange;
    const seen = new Map<string, number>();
    for (const [, flat] of entries) {
      const from = flat[flat.indexOf('from') + 1]!;
      seen.set(from, (seen.get(from) ?? 0) + 1);
    }
    return seen;
  }

  it('hands every entry to the next stream once and acks it', async () => {
    const { input, output } = names();
    const ids = await fill(input, 35);
    void runner({ stream: input, handle: copyTo(output) }).runner.start();
    await waitFor(async () => (await redis.xlen(output)) === 35, 'all outputs');
    const seen = await outputsByInput(output);
    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    await waitFor(async () => (await pending(input)) === 0, 'nothing pending');
  });

  it('does not add outputs twice when the same ack-and-add is sent again', async () => {
    const { input, output } = names();
    await redis.xgroup('CREATE', input, 'test', '0', 'MKSTREAM');
    const [id] = await fill(input, 1);
    await redis.xreadgroup('GROUP', 'test', 'c1', 'COUNT', 1, 'STREAMS', input, '>');
    const entry = { id: id!, outputs: [{ stream: output, fields: { a: '1' } }] };
    expect(await ackAndAdd(redis, input, 'test', errorsKeyOf(input, 'test'), [entry])).toEqual([
      true,
    ]);
    expect(await ackAndAdd(redis, input, 'test', errorsKeyOf(input, 'test'), [entry])).toEqual([
      false,
    ]);
    expect(await redis.xlen(output)).toBe(1);
  });

  it('retries an entry that failed, after it has been idle, and hands it on once', async () => {
    const { input, output } = names();
    await fill(input, 3);
    let failuresLeft = 2;
    const handle = perEntry(async (e) => {
      if (e.fields.n === '1' && failuresLeft-- > 0) throw new Error('GitHub said 502');
      return [{ stream: output, fields: { n: e.fields.n!, from: e.id } }];
    });
    void runner({ stream: input, handle }).runner.start();
    await waitFor(async () => (await redis.xlen(output)) === 3, 'all three outputs', 10_000);
    expect([...(await outputsByInput(output)).values()]).toEqual([1, 1, 1]);
    expect(await redis.xlen(deadStreamOf(input))).toBe(0);
    expect(await redis.exists(errorsKeyOf(input, 'test'))).toBe(0);
  });

  it('defers a rate-limited entry without holding its batch, and does not count it as a delivery', async () => {
    const { input, output } = names();
    const [, limited] = await fill(input, 3);
    // Rate limited more often than MAX_DELIVERIES (3) allows: deferrals are no deliveries.
    let deferralsLeft = 4;
    const seen: number[] = [];
    const handle = perEntry(async (e) => {
      if (e.id !== limited) return [{ stream: output, fields: { n: e.fields.n!, from: e.id } }];
      seen.push(e.deliveries);
      if (deferralsLeft-- > 0) throw new RetryLater(Date.now() + 300, 'GitHub said 429');
      return [{ stream: output, fields: { n: e.fields.n!, from: e.id } }];
    });
    void runner({ stream: input, handle }).runner.start();
    // Its batch mates are handed on while it waits.
    await waitFor(async () => (await redis.xlen(output)) === 2, 'the batch mates', 10_000);
    expect((await outputsByInput(output)).has(limited!)).toBe(false);
    await waitFor(async () => (await redis.xlen(output)) === 3, 'the deferred entry', 20_000);
    expect(seen).toEqual([1, 1, 1, 1, 1]);
    expect(await redis.xlen(deadStreamOf(input))).toBe(0);
    await waitFor(async () => (await pending(input)) === 0, 'nothing pending');
  });

  it('dead-letters a PermanentError at once with its reason, while the rest flows', async () => {
    const { input, output } = names();
    await fill(input, 5);
    const handle = perEntry(async (e) => {
      if (e.fields.n === '2')
        throw new PermanentError('invalid JobRequest: commit_sha must be a hex commit sha');
      return [{ stream: output, fields: { n: e.fields.n!, from: e.id } }];
    });
    void runner({ stream: input, handle }).runner.start();
    await waitFor(
      async () => (await redis.xlen(output)) === 4 && (await redis.xlen(deadStreamOf(input))) === 1,
      'four out, one dead',
    );
    const [[, flat]] = (await redis.xrange(deadStreamOf(input), '-', '+')) as XRange as [
      [string, string[]],
    ];
    const dead = Object.fromEntries(
      flat.map((v, i, a) => (i % 2 ? [] : [v, a[i + 1]])).filter((p) => p.length),
    );
    expect(dead.n).toBe('2');
    expect(dead.dead_error).toBe('invalid JobRequest: commit_sha must be a hex commit sha');
    expect(dead.dead_group).toBe('test');
    expect(dead.dead_deliveries).toBe('1');
    await waitFor(async () => (await pending(input)) === 0, 'nothing pending');
  });

  it('moves an entry that keeps failing to the dead stream after MAX_DELIVERIES, with the last error', async () => {
    const { input, output } = names();
    await fill(input, 2);
    let attempts = 0;
    const handle = perEntry(async (e) => {
      if (e.fields.n === '0') {
        attempts++;
        throw new Error(`still broken (attempt ${attempts})`);
      }
      return [{ stream: output, fields: { n: e.fields.n!, from: e.id } }];
    });
    void runner({ stream: input, handle, maxDeliveries: 3 }).runner.start();
    await waitFor(
      async () => (await redis.xlen(deadStreamOf(input))) === 1,
      'the poison entry dead',
      15_000,
    );
    expect(attempts).toBe(3);
    const [[, flat]] = (await redis.xrange(deadStreamOf(input), '-', '+')) as [[string, string[]]];
    const err = flat[flat.indexOf('dead_error') + 1];
    expect(err).toBe('delivered 4 times (MAX_DELIVERIES=3); last error: still broken (attempt 3)');
    expect(await redis.xlen(output)).toBe(1);
    await waitFor(async () => (await pending(input)) === 0, 'nothing pending');
  });

  it('lets another copy finish every entry exactly once when a consumer dies mid-batch', async () => {
    const { input, output } = names();
    const ids = await fill(input, 50);
    // Copy A takes a batch, hands on part of it, then hangs on entry 15 and loses its connections.
    let reachedHang!: () => void;
    const hung = new Promise<void>((r) => (reachedHang = r));
    const a = runner({
      stream: input,
      batchSize: 20,
      handle: perEntry(async (e) => {
        if (e.fields.n === '15') {
          reachedHang();
          await new Promise(() => undefined);
        }
        return [{ stream: output, fields: { n: e.fields.n!, from: e.id } }];
      }, 1),
    });
    void a.runner.start();
    await hung;
    a.reader.disconnect();
    a.commands.disconnect();
    runners.splice(runners.indexOf(a.runner), 1); // a dead copy is never stopped
    // Copy A never committed its batch: nothing of it is out yet, all of it pending under A.
    expect(await redis.xlen(output)).toBe(0);

    void runner({ stream: input, handle: copyTo(output) }).runner.start();
    await waitFor(async () => (await redis.xlen(output)) === 50, 'all 50 outputs', 15_000);
    const seen = await outputsByInput(output);
    expect(seen.size).toBe(50);
    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    await waitFor(async () => (await pending(input)) === 0, 'nothing pending');
  });

  it('reads its own pending entries first after a restart with the same consumer name', async () => {
    const { input, output } = names();
    await redis.xgroup('CREATE', input, 'test', '0', 'MKSTREAM');
    await fill(input, 4);
    // A previous life of consumer "same" took all four and died before acking.
    await redis.xreadgroup('GROUP', 'test', 'same', 'COUNT', 10, 'STREAMS', input, '>');
    void runner({
      stream: input,
      consumer: 'same',
      claimMinIdleMs: 600_000,
      handle: copyTo(output),
    }).runner.start();
    await waitFor(async () => (await redis.xlen(output)) === 4, 'its own four entries', 5_000);
  });

  it('finishes and commits the batch in hand when stopped', async () => {
    const { input, output } = names();
    await fill(input, 5);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const inHand = new Promise<void>((r) => (started = r));
    const { runner: r } = runner({
      stream: input,
      handle: async (entries) => {
        started();
        await gate;
        return entries.map((e) => ({
          outputs: [{ stream: output, fields: { n: e.fields.n!, from: e.id } }],
        }));
      },
    });
    void r.start();
    await inHand;
    const stopping = r.stop();
    release();
    await stopping;
    expect(await redis.xlen(output)).toBe(5);
    expect(await pending(input)).toBe(0);
  });

  it('leaves nothing pending when stopped with the next full batch already read ahead', async () => {
    const { input, output } = names();
    await fill(input, 25);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first!: () => void;
    const firstBatch = new Promise<void>((r) => (first = r));
    const { runner: r } = runner({
      stream: input,
      batchSize: 10,
      handle: async (entries) => {
        first();
        await gate;
        return entries.map((e) => ({
          outputs: [{ stream: output, fields: { n: e.fields.n!, from: e.id } }],
        }));
      },
    });
    void r.start();
    await firstBatch;
    // Give the read-ahead time to take the second batch while the first is held.
    await waitFor(
      async () => Number(((await redis.xpending(input, 'test')) as [number])[0]) === 20,
      'two batches delivered',
    );
    const stopping = r.stop();
    release();
    await stopping;
    expect(await pending(input)).toBe(0);
    const seen = await outputsByInput(output);
    expect(seen.size).toBe(20);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });
});
