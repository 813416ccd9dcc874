import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, deadStreamOf, type Redis } from '@solstice/shared';
import { removeKeys } from '../support/keys.js';
import { redisUrl, uniqueName } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const CHILD = fileURLToPath(new URL('./support/runner-child.mjs', import.meta.url));

interface Child {
  proc: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  text: () => string;
}

type XRange = [string, string[]][];
const fieldsOf = (flat: string[]) =>
  Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]!]])));

/** The stage runner as real processes at DEFAULT settings: slow, crashing and refused work. */
describe('fault injection: the stage runner at its default settings', () => {
  let redis: Redis;
  const children: Child[] = [];
  const prefixes: string[] = [];

  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
    await removeKeys(prefixes.splice(0), redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  function names() {
    const p = uniqueName('runner-fault');
    prefixes.push(p);
    return { input: `${p}:in`, output: `${p}:out`, seen: `${p}:seen` };
  }

  function start(n: ReturnType<typeof names>): Child {
    const proc = spawn(process.execPath, [CHILD], {
      env: {
        PATH: process.env.PATH,
        REDIS_URL: redisUrl(),
        RUNNER_IN: n.input,
        RUNNER_OUT: n.output,
        RUNNER_SEEN: n.seen,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    const child = { proc, pid: proc.pid!, exited, text: () => out };
    children.push(child);
    return child;
  }

  async function pendingOf(stream: string): Promise<[string, string][]> {
    return (await redis.xpending(stream, 'runner', '-', '+', 1000).catch(() => [])) as [
      string,
      string,
    ][];
  }

  it('dead-letters only the entry that kills its process (restarted 5 times); its batch mates go through once', async () => {
    const n = names();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push((await redis.xadd(n.input, '*', 'n', String(i), 'crash', i === 6 ? '1' : '0'))!);
    const crasher = ids[6]!;
    const began = Date.now();
    let crashes = 0;
    const done = async () =>
      (await redis.xlen(deadStreamOf(n.input))) === 1 && (await redis.xlen(n.output)) === 9;
    for (let life = 0; life < 8 && !(await done()); life++) {
      const child = start(n);
      let exitCode: number | null | undefined;
      void child.exited.then((c) => (exitCode = c));
      await waitFor(
        async () => exitCode !== undefined || (await done()),
        `life ${life}: a crash or the end`,
        60_000,
        100,
      );
      if (exitCode !== undefined) {
        expect(exitCode, child.text().slice(-2000)).toBe(3);
        crashes++;
      }
    }
    await waitFor(async () => (await pendingOf(n.input)).length === 0, 'nothing pending');
    console.log(
      `[faults] poison batch: ${crashes} crashes, the crasher dead and 9 entries out ${Date.now() - began} ms after the first start (default settings)`,
    );
    expect(crashes).toBe(5);
    const outs = ((await redis.xrange(n.output, '-', '+')) as XRange).map(
      ([, f]) => fieldsOf(f).from,
    );
    expect(outs.sort()).toEqual(ids.filter((id) => id !== crasher).sort());
    const dead = (await redis.xrange(deadStreamOf(n.input), '-', '+')) as XRange;
    expect(dead).toHaveLength(1);
    expect(fieldsOf(dead[0]![1])).toMatchObject({ dead_source_id: crasher, n: '6', crash: '1' });
    expect(fieldsOf(dead[0]![1]).dead_error).toMatch(/delivered 6 times \(MAX_DELIVERIES=5\)/);
  });

  it('never lets a second copy take a batch that a live copy handles for longer than the heartbeat TTL and the retry idle', async () => {
    const n = names();
    await redis.xadd(n.input, '*', 'n', '0', 'slow_ms', '12000');
    for (let i = 1; i < 13; i++) await redis.xadd(n.input, '*', 'n', String(i));
    const a = start(n);
    await waitFor(async () => (await pendingOf(n.input)).length === 13, 'a holds all 13', 30_000);
    const b = start(n);
    await waitFor(async () => (await redis.xlen(n.output)) === 13, 'all 13 out', 60_000, 200);
    const seen = ((await redis.xrange(n.seen, '-', '+')) as XRange).map(([, f]) => fieldsOf(f));
    expect(seen).toHaveLength(13);
    expect(new Set(seen.map((s) => s.pid))).toEqual(new Set([String(a.pid)]));
    expect(b.text()).not.toMatch(/took over/);
    await waitFor(async () => (await pendingOf(n.input)).length === 0, 'nothing pending');
  });

  it('acks nothing when its output key has the wrong type, says so, and hands the entries on once it is fixed', async () => {
    const n = names();
    await redis.set(n.output, 'not a stream');
    await redis.xadd(n.input, '*', 'n', '0');
    await redis.xadd(n.input, '*', 'n', '1');
    const child = start(n);
    await waitFor(
      () => /commit refused before any write/.test(child.text()),
      'the refusal logged',
      30_000,
    );
    expect(child.text()).toMatch(/is a string, not a stream; nothing was written/);
    expect((await pendingOf(n.input)).length).toBe(2);
    expect(await redis.type(n.output)).toBe('string');
    await redis.del(n.output);
    // Handled again after RETRY_MIN_IDLE_MS (default 10 s): nothing lost, nothing twice.
    await waitFor(async () => (await redis.xlen(n.output)) === 2, 'both out', 60_000, 200);
    await waitFor(async () => (await pendingOf(n.input)).length === 0, 'nothing pending');
    const outs = ((await redis.xrange(n.output, '-', '+')) as XRange).map(([, f]) => fieldsOf(f));
    expect(new Set(outs.map((o) => o.from)).size).toBe(2);
  });
});
