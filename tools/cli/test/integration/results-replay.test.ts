import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecordOf, closeRedis, createRedis, keysFor, type Redis } from '@solstice/shared';
import { solstice } from '../../../../test/support/cli.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { amqpUrl, redisUrl, uniqueName } from '../../../../test/support/servers.js';

const sha = 'a'.repeat(40);
const result = (over: Record<string, unknown> = {}) => ({
  schema_version: 'jobresult.v1',
  request_id: randomUUID(),
  repo_url: 'https://github.com/octo-org/hello.git',
  repo_owner: 'octo-org',
  repo_name: 'hello',
  commit_sha: sha,
  success: true,
  exit_code: 0,
  completed_at: new Date().toISOString(),
  ...over,
});

describe('solstice results replay', () => {
  const prefix = uniqueName('replay');
  const keys = keysFor(prefix);
  const queue = uniqueName('results');
  let redis: Redis;
  let conn: ChannelModel;
  let ch: ConfirmChannel;
  const env = () => ({
    REDIS_URL: redisUrl(),
    STREAM_PREFIX: prefix,
    AMQP_URL: amqpUrl(),
    AMQP_RESULTS_QUEUE: queue,
  });
  const take = async (name: string) => {
    const out: Record<string, unknown>[] = [];
    for (;;) {
      const msg = await ch.get(name, { noAck: true });
      if (!msg) return out;
      out.push(JSON.parse(msg.content.toString()) as Record<string, unknown>);
    }
  };
  const toDlq = async (...bodies: unknown[]) => {
    for (const b of bodies)
      ch.sendToQueue(`${queue}.dlq`, Buffer.from(JSON.stringify(b)), {
        persistent: true,
        headers: { 'x-solstice-reason': 'no record: not published by this pipeline' },
      });
    await ch.waitForConfirms();
  };

  beforeAll(async () => {
    redis = createRedis(redisUrl(), { role: 'worker' });
    conn = await connect(amqpUrl());
    ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    await ch.assertQueue(`${queue}.dlq`, { durable: true });
  });
  afterAll(async () => {
    await ch.deleteQueue(queue);
    await ch.deleteQueue(`${queue}.dlq`);
    await conn.close();
    await removeKeys(prefix, redis);
    await closeRedis(redis);
  });

  it('replays the results whose job has a record; --trust vouches for the rest it can', async () => {
    const known = result();
    const legacy = result();
    const bare = result({ repo_owner: undefined, repo_name: undefined, commit_sha: undefined });
    await redis.hset(keys.checkRecord(known.request_id), {
      request_id: known.request_id,
      owner: 'octo-org',
      repo: 'hello',
      head_sha: sha,
    });
    // A record of a reporter before the per-job records: the run it made.
    await redis.set(
      keys.legacyCheckRun(legacy.request_id),
      JSON.stringify({
        name: 'Solstice CI / build',
        installation_id: 7,
        check_run_id: 4_000_000_077,
        state: 'queued',
      }),
    );
    await toDlq(known, legacy, bare);

    const first = await solstice(['results', 'replay'], env());
    expect(first.code).toBe(0);
    expect(first.out).toEqual([
      `replayed ${known.request_id}: its job has a record`,
      `kept ${legacy.request_id}: no record (replay with --trust to vouch for it) (dead-lettered: no record: not published by this pipeline)`,
      `kept ${bare.request_id}: no record (replay with --trust to vouch for it) (dead-lettered: no record: not published by this pipeline)`,
      `replayed 1, kept 2 in ${queue}.dlq`,
    ]);
    expect(await take(queue)).toEqual([known]);

    const second = await solstice(['results', 'replay', '--trust'], env());
    expect(second.out.at(-1)).toBe(`replayed 1, kept 1 in ${queue}.dlq`);
    expect(second.out[0]).toBe(
      `replayed ${legacy.request_id}: vouched for; completes run 4000000077 an older reporter made`,
    );
    expect(second.out[1]).toMatch(/^kept .*: --trust needs repo_owner, repo_name and commit_sha/);
    expect(await take(queue)).toEqual([JSON.parse(JSON.stringify(legacy))]);
    expect(checkRecordOf(await redis.hgetall(keys.checkRecord(legacy.request_id)))).toMatchObject({
      owner: 'octo-org',
      repo: 'hello',
      head_sha: sha,
      name: 'Solstice CI / build',
      installation_id: 7,
      run_id: 4_000_000_077,
      source: 'operator',
    });
    expect(await take(`${queue}.dlq`)).toEqual([JSON.parse(JSON.stringify(bare))]);
  });
});
