import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stageMain } from '@solstice/cli/stage-process';
import { closeRedis, createRedis, fieldsToObject, keysFor } from '@solstice/shared';
import { solstice as cli } from './cli.js';
import { prefixPool } from './keys.js';
import { example } from './payloads.js';
import { startStage, stopStages, type StageProcess } from './processes.js';
import { redisUrl, uniqueName } from './servers.js';

const built = (['receiver', 'expander'] as const).every((s) => existsSync(stageMain(s)));
if (!built) console.warn('skipping stage process tests: run npm run build first');

const stages: StageProcess[] = [];
const prefixes = prefixPool('proc');
const newPrefix = prefixes.next;

afterEach(async () => {
  await stopStages(stages.splice(0));
  await prefixes.removeAll();
});

describe.skipIf(!built)('stages as child processes (test/support/processes.ts)', () => {
  it('runs the receiver: healthy, takes a webhook sent by the CLI, replays it, stops cleanly on SIGTERM', async () => {
    const prefix = newPrefix();
    const keys = keysFor(prefix);
    const receiver = await startStage('receiver', {
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: prefix,
      GITHUB_WEBHOOK_SECRET: 'proc-secret',
    });
    stages.push(receiver);
    await receiver.waitReady();

    const dir = await mkdtemp(join(tmpdir(), 'solstice-proc-'));
    const file = join(dir, 'push.json');
    await writeFile(file, JSON.stringify(example('push', (p) => !p.deleted)));
    const env = { REDIS_URL: redisUrl(), STREAM_PREFIX: prefix };
    const url = `${receiver.baseUrl}/webhooks/github`;
    const sent = await cli(
      ['send-webhook', file, '--event', 'push', '--url', url, '--secret', 'proc-secret'],
      env,
    );
    await rm(dir, { recursive: true, force: true });
    expect(sent.code).toBe(0);
    expect(sent.out[0]).toMatch(/^202 /);
    const delivery = /delivery=(\S+)/.exec(sent.out[0]!)![1]!;

    const replayed = await cli(['replay', delivery, '--hook-id', '1'], env);
    expect(replayed.code).toBe(0);
    const redis = createRedis(redisUrl(), { role: 'worker' });
    try {
      const entries = (await redis.xrange(keys.events, '-', '+')) as [string, string[]][];
      expect(entries).toHaveLength(2);
      const [a, b] = entries.map(([, f]) => fieldsToObject(f));
      expect(b).toEqual(a);
      expect(a).toMatchObject({ delivery, hook_id: '1', event: 'push' });
    } finally {
      await closeRedis(redis);
    }

    const exit = await receiver.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(receiver.json().some((l) => l.msg === 'shutting down')).toBe(true);
  });

  it('kill() ends a stage with SIGKILL', async () => {
    const expander = await startStage('expander', {
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: newPrefix(),
    });
    stages.push(expander);
    await expander.waitHealthy();
    expect(await expander.kill()).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('fails fast, with the stage’s own lines, when the stage exits before it is healthy', async () => {
    const expander = await startStage('expander', {
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: newPrefix(),
      RUNS_ON_MAP: 'broken',
    });
    stages.push(expander);
    await expect(expander.waitHealthy()).rejects.toThrow(
      /expander exited \(code 2.*\n.*configuration error: RUNS_ON_MAP/,
    );
    await expect(expander.waitForLog(/never written/)).rejects.toThrow(/expander exited/);
  });

  it('refuses to start a stage on the default (shared) names', async () => {
    await expect(startStage('expander', { REDIS_URL: redisUrl() })).rejects.toThrow(
      /give STREAM_PREFIX/,
    );
    await expect(
      startStage('publisher', { STREAM_PREFIX: uniqueName('proc'), AMQP_QUEUE: 'q' }),
    ).rejects.toThrow(/give AMQP_EXCHANGE, AMQP_DLX, AMQP_DLQ/);
  });
});
