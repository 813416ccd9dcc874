import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PermanentError,
  StageRunner,
  aliveKeyOf,
  createMetrics,
  createRedis,
  deadStreamOf,
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

/** Slow batches, crashing entries, refused scripts, bounds: the runner's failure cases. */
describe('StageRunner under faults (real Redis)', () => {
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
    const p = uniqueName('runner-faults');
    prefixes.push(p);
    return { input: `${p}:in`, output: `${p}:out` };
  }

  function runner(
    over: Partial<StageRunnerOptions> & Pick<StageRunnerOptions, 'stream' | 'handle'>,
  ) {
    const reader = createRedis(redisUrl(), { role: 'worker' });
    const commands = createRedis(redisUrl(), { role: 'worker' });
    opened.push(reader, commands);
    const capture = captureLogger();
    const metrics = createMetrics('test');
    const r = new StageRunner({
      redis: commands,
      reader,
      group: 'test',
      consumer: uniqueName('c'),
      log: capture.log,
      metrics,
      batchSize: 10,
      blockMs: 50,
      claimMinIdleMs: 60_000,
      claimIntervalMs: 100,
      retryMinIdleMs: 300,
      heartbeatIntervalMs: 50,
      heartbeatTtlMs: 300,
      maxDeliveries: 5,
      ...over,
    });
    runners.push(r);
    return { runner: r, reader, commands, capture, metrics };
  }

  /** A copy killed -9: its connections drop, nothing of it runs any more, it is never stopped. */
  function kill(copy: ReturnType<typeof runner>) {
    copy.reader.disconnect();
    copy.commands.disconnect();
    runners.splice(runners.indexOf(copy.runner), 1);
  }

  async function fill(stream: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await redis.xadd(stream, '*', 'n', String(i)))!);
    return ids;
  }

  async function pending(stream: string): Promise<number> {
    return Number(((await redis.xpending(stream, 'test')) as [number])[0]);
  }

  const fieldsOf = (flat: string[]) =>
    Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]!]])));

  it('never lets a second copy take a live copy’s slow batch, nor its read-ahead', async () => {
    const { input, output } = names();
    await fill(input, 30);
    const handled = new Map<string, number>();
    const count = (id: string) => handled.set(id, (handled.get(id) ?? 0) + 1);
    // Copy A handles each batch for 1.5 s: five times the heartbeat TTL, and longer than
    // the retry idle; its next batch waits read ahead meanwhile.
    const slow: BatchHandler = async (entries) => {
      entries.forEach((e) => count(e.id));
      await new Promise((r) => setTimeout(r, 1500));
      return entries.map((e) => ({ outputs: [{ stream: output, fields: { from: e.id } }] }));
    };
    const a = runner({ stream: input, handle: slow });
    void a.runner.start();
    await waitFor(async () => (await pending(input)) === 20, 'a batch in hand and one read ahead');
    const b = runner({
      stream: input,
      handle: perEntry(async (e) => {
        count(e.id);
        return [{ stream: output, fields: { from: e.id } }];
      }),
    });
    void b.runner.start();
    await waitFor(async () => (await redis.xlen(output)) === 30, 'all 30 out', 20_000);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(handled.size).toBe(30);
    const claimed = await b.metrics.registry.getSingleMetricAsString(
      'solstice_stream_entries_claimed_total',
    );
    expect(claimed).not.toMatch(/reason="(dead|hung)"/);
  });

  it('takes a live copy’s entries only once they are idle past CLAIM_MIN_IDLE_MS (it hangs)', async () => {
    const { input, output } = names();
    await fill(input, 3);
    const a = runner({ stream: input, handle: () => new Promise(() => undefined) });
    void a.runner.start();
    await waitFor(async () => (await pending(input)) === 3, 'a hangs on its batch');
    const b = runner({
      stream: input,
      claimMinIdleMs: 1500,
      handle: perEntry(async (e) => [{ stream: output, fields: { from: e.id } }]),
    });
    void b.runner.start();
    await waitFor(async () => (await redis.xlen(output)) === 3, 'b finished the hung batch');
    expect(b.capture.text()).toMatch(/\(hung\)/);
    kill(a); // it never returns from its batch
  });

  it('dead-letters only the entry that kills its copy: its batch mates go through', async () => {
    const { input, output } = names();
    const ids = await fill(input, 10);
    const crasher = ids[6]!;
    const outputsOf = new Map<string, number>();
    // Each "life" is a copy under a new name (a restarted process: host + new pid); the
    // crasher kills it mid-batch, before anything of the batch is committed.
    for (let life = 0; life < 7; life++) {
      const before = (await redis.xlen(deadStreamOf(input))) + (await redis.xlen(output));
      if (before === 10) break;
      let died = false;
      const copy = runner({
        stream: input,
        handle: perEntry(async (e) => {
          if (e.id === crasher) {
            died = true;
            return new Promise(() => undefined);
          }
          return [{ stream: output, fields: { from: e.id } }];
        }, 1),
      });
      void copy.runner.start();
      await waitFor(
        async () => died || (await redis.xlen(deadStreamOf(input))) === 1,
        `life ${life}: the crasher reached or dead`,
        20_000,
      );
      if (died) kill(copy);
    }
    await waitFor(
      async () => (await redis.xlen(output)) === 9 && (await pending(input)) === 0,
      'nine out, nothing pending',
      20_000,
    );
    for (const [, flat] of (await redis.xrange(output, '-', '+')) as XRange) {
      const from = fieldsOf(flat).from!;
      outputsOf.set(from, (outputsOf.get(from) ?? 0) + 1);
    }
    expect([...outputsOf.keys()].sort()).toEqual(ids.filter((id) => id !== crasher).sort());
    expect([...outputsOf.values()].every((n) => n === 1)).toBe(true);
    const dead = (await redis.xrange(deadStreamOf(input), '-', '+')) as XRange;
    expect(dead).toHaveLength(1);
    const fields = fieldsOf(dead[0]![1]);
    expect(fields).toMatchObject({ n: '6', dead_source_id: crasher, dead_group: 'test' });
    expect(fields.dead_error).toMatch(/delivered 6 times \(MAX_DELIVERIES=5\).*consumer died/);
  });

  it('acks nothing when a script cannot write its output (WRONGTYPE), says so, and retries', async () => {
    const { input, output } = names();
    await fill(input, 2);
    await redis.set(output, 'not a stream');
    const copy = runner({
      stream: input,
      handle: perEntry(async (e) => [{ stream: output, fields: { from: e.id } }]),
    });
    void copy.runner.start();
    await waitFor(() => /commit refused before any write/.test(copy.capture.text()), 'refusal');
    expect(await pending(input)).toBe(2);
    const line = copy.capture.lines().find((l) => /commit refused/.test(String(l.msg)))!;
    expect(line.err).toMatch(
      new RegExp(`${output} is a string, not a stream; nothing was written`),
    );
    expect(copy.capture.text()).not.toMatch(/entries are retried"|commit failed/);
    // Once the key is right again, the same entries go through: nothing was lost.
    await redis.del(output);
    await waitFor(async () => (await redis.xlen(output)) === 2, 'both out after the fix', 10_000);
    await waitFor(async () => (await pending(input)) === 0, 'nothing pending');
  });

  it('leaves an entry pending when its dead stream is of the wrong type, and says so', async () => {
    const { input, output } = names();
    await fill(input, 1);
    await redis.hset(deadStreamOf(input), 'x', '1');
    const copy = runner({
      stream: input,
      handle: perEntry(async () => {
        throw new PermanentError('bad input');
      }),
    });
    void copy.runner.start();
    await waitFor(
      () => /dead-lettering refused before any write/.test(copy.capture.text()),
      'refusal',
    );
    expect(await pending(input)).toBe(1);
    expect(await redis.exists(output)).toBe(0);
  });

  it('keeps the dead stream within DEAD_MAX_LEN, counts what it drops, warns while anything is dead', async () => {
    const { input } = names();
    await fill(input, 5);
    const copy = runner({
      stream: input,
      dead: { maxLen: 3, maxAgeMs: 3_600_000 },
      trim: { maxLen: 0, maxAgeMs: 0, intervalMs: 100 },
      handle: perEntry(async () => {
        throw new PermanentError('bad input');
      }),
    });
    void copy.runner.start();
    await waitFor(
      async () =>
        / 5$/m.test(
          await copy.metrics.registry.getSingleMetricAsString(
            'solstice_stream_dead_lettered_total',
          ),
        ),
      'all five dead-lettered',
    );
    const dead = (await redis.xrange(deadStreamOf(input), '-', '+')) as XRange;
    expect(dead.map(([, f]) => fieldsOf(f).n)).toEqual(['2', '3', '4']);
    expect(fieldsOf(dead[0]![1])).toMatchObject({ dead_error: 'bad input', dead_group: 'test' });
    const dropped = await copy.metrics.registry.getSingleMetricAsString(
      'solstice_stream_dead_dropped_total',
    );
    expect(dropped).toMatch(/ 2$/m);
    await waitFor(
      () => /entries are dead: see `solstice dead list`/.test(copy.capture.text()),
      'the dead warning',
    );
  });

  it('removes consumers with no heartbeat and nothing pending, never a live one', async () => {
    const { input, output } = names();
    await redis.xgroup('CREATE', input, 'test', '0', 'MKSTREAM');
    // A copy that ran once and went away: in the group, nothing pending, no heartbeat.
    await redis.xgroup('CREATECONSUMER', input, 'test', 'ghost');
    // And one alive (its heartbeat fresh) that has not read for a while.
    await redis.xgroup('CREATECONSUMER', input, 'test', 'quiet');
    const keepAlive = setInterval(
      () => void redis.zadd(aliveKeyOf(input, 'test'), Date.now() + 60_000, 'quiet'),
      50,
    );
    await redis.zadd(aliveKeyOf(input, 'test'), Date.now() + 60_000, 'quiet');
    const consumers = async () =>
      ((await redis.xinfo('CONSUMERS', input, 'test')) as string[][]).map((c) => c[1]);
    try {
      await new Promise((r) => setTimeout(r, 700));
      const copy = runner({
        stream: input,
        trim: { maxLen: 0, maxAgeMs: 0, intervalMs: 100 },
        handle: perEntry(async (e) => [{ stream: output, fields: { from: e.id } }]),
      });
      expect(await consumers()).toEqual(expect.arrayContaining(['ghost', 'quiet']));
      void copy.runner.start();
      ((await redis.xinfo('CONSUMERS', input, 'test')) as string[][]).map((c) => c[1]);
      await waitFor(async () => !(await consumers()).includes('ghost'), 'the ghost removed');
      expect(await consumers()).toContain('quiet');
      expect(copy.capture.text()).toMatch(/removed consumers with no heartbeat/);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
