import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  closeRedis,
  createRedis,
  fieldsToObject,
  keysFor,
  PermanentError,
  StageRunner,
  storeOnce,
  type Keys,
  type Redis,
} from '@solstice/shared';
import type { StreamState } from '../../src/streams.js';
import { solstice } from '../../../../test/support/cli.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { captureLogger } from '../../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../../test/support/servers.js';
import { waitFor } from '../../../../test/support/wait.js';

let prefix: string;
let keys: Keys;
let redis: Redis;

/** Runs `solstice <argv>` in-process against the test's Redis and prefix. */
const cli = (argv: string[], env: Record<string, string | undefined> = {}) =>
  solstice(argv, { REDIS_URL: redisUrl(), STREAM_PREFIX: prefix, ...env });

const entries = async (stream: string) =>
  ((await redis.xrange(stream, '-', '+')) as [string, string[]][]).map(([id, flat]) => ({
    id,
    fields: fieldsToObject(flat),
  }));

function rawEvent(delivery: string, hookId: string): Record<string, string> {
  return {
    delivery,
    hook_id: hookId,
    event: 'push',
    content_type: 'application/json',
    body: JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) }),
    installation_target_type: 'integration',
    installation_target_id: '42',
    received_at: new Date().toISOString(),
  };
}

beforeEach(async () => {
  prefix = uniqueName('cli');
  keys = keysFor(prefix);
  redis = createRedis(redisUrl(), { role: 'worker' });
});

afterEach(async () => {
  await removeKeys(prefix, redis);
  await closeRedis(redis);
});

describe('solstice streams', () => {
  it("reports each stream's length, dead count, and every group's pending and lag", async () => {
    for (let i = 0; i < 5; i++) await redis.xadd(keys.events, '*', 'n', String(i));
    await redis.xgroup('CREATE', keys.events, 'expander', '0');
    const read = (await redis.xreadgroup(
      'GROUP',
      'expander',
      'c1',
      'COUNT',
      2,
      'STREAMS',
      keys.events,
      '>',
    )) as [string, [string, string[]][]][];
    await redis.xack(keys.events, 'expander', read[0]![1][0]![0]);
    await redis.xadd(keys.dead(keys.events), '*', 'dead_error', 'x');
    await redis.xadd(keys.dead(keys.events), '*', 'dead_error', 'y');
    for (let i = 0; i < 3; i++) await redis.xadd(keys.jobs, '*', 'n', String(i));

    const { code, out } = await cli(['streams', '--json']);

    expect(code).toBe(0);
    const states = JSON.parse(out.join('\n')) as StreamState[];
    expect(states).toEqual([
      {
        stream: keys.events,
        length: 5,
        dead: 2,
        groups: [{ name: 'expander', consumers: 1, pending: 1, lag: 3 }],
      },
      { stream: keys.jobs, length: 3, dead: 0, groups: [] },
      { stream: keys.checks, length: 0, dead: 0, groups: [] },
    ]);
  });

  it('prints the same numbers as a table', async () => {
    for (let i = 0; i < 4; i++) await redis.xadd(keys.checks, '*', 'n', String(i));
    await redis.xgroup('CREATE', keys.checks, 'reporter', '0');
    await redis.xreadgroup('GROUP', 'reporter', 'c1', 'COUNT', 3, 'STREAMS', keys.checks, '>');

    const { code, out } = await cli(['streams']);

    expect(code).toBe(0);
    expect(out[0]).toMatch(/^stream\s+length\s+dead\s+group\s+pending\s+lag\s+consumers$/);
    const row = out.find((l) => l.startsWith(keys.checks))!.split(/\s+/);
    expect(row).toEqual([keys.checks, '4', '0', 'reporter', '3', '1', '1']);
    expect(out.find((l) => l.startsWith(keys.events))).toMatch(/\s0\s+0\s+\(no group\)/);
  });
});

describe('solstice replay', () => {
  it('adds the stored event again to the events stream with the same fields', async () => {
    const delivery = randomUUID();
    const fields = rawEvent(delivery, '123');
    const stored = await storeOnce(
      redis,
      keys.delivery('123', delivery),
      keys.events,
      3600,
      fields,
    );

    const { code, text } = await cli(['replay', delivery]);

    expect(code).toBe(0);
    const all = await entries(keys.events);
    expect(all).toHaveLength(2);
    expect(all[0]!.id).toBe(stored.id);
    expect(all[1]!.fields).toEqual(fields);
    expect(text).toContain(`entry ${stored.id} added again as ${all[1]!.id}`);
    expect(text).toMatch(/stay the same .*delivery id.*second Check Run/s);
  });

  it('takes the hook id when one delivery reached several hooks', async () => {
    const delivery = randomUUID();
    await storeOnce(
      redis,
      keys.delivery('1', delivery),
      keys.events,
      3600,
      rawEvent(delivery, '1'),
    );
    await storeOnce(
      redis,
      keys.delivery('2', delivery),
      keys.events,
      3600,
      rawEvent(delivery, '2'),
    );

    const ambiguous = await cli(['replay', delivery]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toEqual([expect.stringMatching(/several hooks \(.*1.*2.*\).*--hook-id/)]);
    expect(await redis.xlen(keys.events)).toBe(2);

    const chosen = await cli(['replay', delivery, '--hook-id', '2']);
    expect(chosen.code).toBe(0);
    const all = await entries(keys.events);
    expect(all).toHaveLength(3);
    expect(all[2]!.fields.hook_id).toBe('2');
  });

  it('finds the event in the stream when its dedupe key has expired', async () => {
    const delivery = randomUUID();
    const fields = rawEvent(delivery, '0');
    await redis.xadd(keys.events, '*', 'delivery', 'someone-else', 'event', 'push', 'body', '{}');
    await redis.xadd(keys.events, '*', ...Object.entries(fields).flat());

    const { code } = await cli(['replay', delivery]);

    expect(code).toBe(0);
    const all = await entries(keys.events);
    expect(all).toHaveLength(3);
    expect(all[2]!.fields).toEqual(fields);
  });

  it('says so, and adds nothing, when the delivery is unknown or was a ping', async () => {
    const unknown = await cli(['replay', randomUUID()]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toEqual([expect.stringMatching(/^solstice replay: no stored event/)]);

    const ping = randomUUID();
    await redis.set(keys.delivery('9', ping), 'ping');
    const pinged = await cli(['replay', ping]);
    expect(pinged.code).toBe(1);
    expect(pinged.err).toEqual([expect.stringMatching(/was a ping/)]);
    expect(await redis.xlen(keys.events)).toBe(0);
  });
});

describe('solstice dead list / dead retry', () => {
  // Real dead entries: the stage runner dead-letters what its handler rejects permanently.
  async function runStage(accept: () => boolean) {
    const reader = createRedis(redisUrl(), { role: 'worker' });
    const runner = new StageRunner({
      redis,
      reader,
      stream: keys.events,
      group: 'expander',
      consumer: 'c1',
      log: captureLogger().log,
      batchSize: 10,
      blockMs: 50,
      claimMinIdleMs: 60_000,
      claimIntervalMs: 60_000,
      maxDeliveries: 5,
      handle: async (batch) =>
        batch.map((e) =>
          accept()
            ? { outputs: [{ stream: keys.jobs, fields: { from: e.fields.delivery! } }] }
            : { error: new PermanentError(`bad event ${e.fields.delivery}`) },
        ),
    });
    void runner.start();
    return {
      runner,
      stop: async () => {
        await runner.stop();
        await closeRedis(reader);
      },
    };
  }

  it('lists dead entries with their source, group and error', async () => {
    const stage = await runStage(() => false);
    const ids = [];
    for (const d of ['d1', 'd2']) ids.push(await redis.xadd(keys.events, '*', 'delivery', d));
    await waitFor(async () => (await redis.xlen(keys.dead(keys.events))) === 2, 'two dead entries');
    await stage.stop();

    const json = await cli(['dead', 'list', 'events', '--json']);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.text) as {
      stream: string;
      total: number;
      entries: { fields: Record<string, string> }[];
    };
    expect(listed.stream).toBe(keys.dead(keys.events));
    expect(listed.total).toBe(2);
    expect(listed.entries.map((e) => e.fields.dead_source_id)).toEqual(ids);
    expect(listed.entries[0]!.fields).toMatchObject({
      delivery: 'd1',
      dead_group: 'expander',
      dead_error: 'bad event d1',
    });

    const text = await cli(['dead', 'list', `${keys.events}:dead`, '--count', '1']);
    expect(text.code).toBe(0);
    expect(text.out).toEqual([
      expect.stringMatching(new RegExp(`from ${ids[0]}\\s+group=expander\\s+deliveries=1`)),
      '  delivery=d1',
      '  error: bad event d1',
      `2 dead entries in ${keys.events}:dead (1 shown; --count N for more)`,
    ]);
  });

  it('moves one entry back without its dead_* fields and deletes it from :dead; the stage handles it again', async () => {
    let accept = false;
    const stage = await runStage(() => accept);
    await redis.xadd(keys.events, '*', 'delivery', 'd1', 'body', '{"a":1}');
    await redis.xadd(keys.events, '*', 'delivery', 'd2', 'body', '{"a":2}');
    await waitFor(async () => (await redis.xlen(keys.dead(keys.events))) === 2, 'two dead entries');
    const [first, second] = await entries(keys.dead(keys.events));
    accept = true;

    const { code, out } = await cli(['dead', 'retry', 'events', '--id', first!.id]);

    expect(code).toBe(0);
    expect(out.at(-1)).toBe(`moved 1 entry back to ${keys.events}`);
    expect((await entries(keys.dead(keys.events))).map((e) => e.id)).toEqual([second!.id]);
    const back = (await entries(keys.events)).at(-1)!;
    expect(back.fields).toEqual({ delivery: 'd1', body: '{"a":1}' });
    await waitFor(async () => (await redis.xlen(keys.jobs)) === 1, 'the retried entry handled');
    expect((await entries(keys.jobs))[0]!.fields).toEqual({ from: 'd1' });
    await stage.stop();
  });

  it('moves every entry back with --all, and reports ids that are not (or no longer) dead', async () => {
    for (let i = 0; i < 3; i++)
      await redis.xadd(
        keys.dead(keys.jobs),
        '*',
        'job',
        `{"n":${i}}`,
        'dead_error',
        'e',
        'dead_at',
        'now',
      );

    const all = await cli(['dead', 'retry', 'jobs', '--all']);
    expect(all.code).toBe(0);
    expect(all.out.at(-1)).toBe(`moved 3 entries back to ${keys.jobs}`);
    expect(await redis.xlen(keys.dead(keys.jobs))).toBe(0);
    expect((await entries(keys.jobs)).map((e) => e.fields)).toEqual([
      { job: '{"n":0}' },
      { job: '{"n":1}' },
      { job: '{"n":2}' },
    ]);

    const again = await cli(['dead', 'retry', 'jobs', '--id', '1-1']);
    expect(again.code).toBe(1);
    expect(again.err).toEqual([expect.stringMatching(/not in .*:jobs:dead.*: 1-1$/)]);
    expect(await redis.xlen(keys.jobs)).toBe(3);
  });

  it('needs --id or --all, and a known stream', async () => {
    expect((await cli(['dead', 'retry', 'events'])).code).toBe(2);
    expect((await cli(['dead', 'retry', 'events', '--all', '--id', '1-1'])).code).toBe(2);
    const bad = await cli(['dead', 'list', 'nonsense']);
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual([
      expect.stringMatching(/unknown stream 'nonsense': use events, jobs, checks/),
    ]);
  });
});

describe('solstice errors', () => {
  it('says in one line that Redis is unreachable', async () => {
    const { code, err } = await cli(['streams'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^solstice streams: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\).*redis-server/,
      ),
    ]);
  });

  it('rejects an unknown command, an unknown option and a missing argument', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/unknown command 'frobnicate'/)],
    });
    const option = await cli(['streams', '--verbose']);
    expect(option).toMatchObject({ code: 2, err: ['solstice streams: unknown option --verbose'] });
    const missing = await cli(['replay']);
    expect(missing).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/needs one delivery id/)],
    });
    const prefix = await cli(['streams'], { STREAM_PREFIX: 'has space' });
    expect(prefix).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/STREAM_PREFIX: expected/)],
    });
  });

  const cliJs = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  it.skipIf(!existsSync(cliJs))(
    'the built bin answers with one line on stderr and its exit code',
    () => {
      const run = (args: string[], env: Record<string, string> = {}) =>
        spawnSync(process.execPath, [cliJs, ...args], {
          env: { PATH: process.env.PATH ?? '', ...env },
          encoding: 'utf8',
        });
      const unknown = run(['frobnicate']);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toBe(
        "solstice: unknown command 'frobnicate' (solstice help lists the commands)\n",
      );
      const down = run(['dead', 'list', 'events'], { REDIS_URL: 'redis://127.0.0.1:1' });
      expect(down.status).toBe(1);
      expect(down.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(
          /^solstice dead list: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 /,
        ),
      ]);
      expect(down.stdout).toBe('');
    },
  );
});
