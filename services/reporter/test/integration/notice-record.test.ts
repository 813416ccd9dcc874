import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeRedis,
  createRedis,
  keysFor,
  noticeIdFor,
  type Notice,
  type Redis,
} from '@solstice/shared';
import { createRecordStore } from '../../src/adapters/record-store.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { redisUrl, uniqueName } from '../../../../test/support/servers.js';

describe('the record of a notice run (real Redis)', () => {
  const prefix = uniqueName('notice-record');
  const keys = keysFor(prefix);
  let redis: Redis;
  beforeAll(() => {
    redis = createRedis(redisUrl(), { role: 'worker' });
  });
  afterAll(async () => {
    await removeKeys(prefix, redis);
    await closeRedis(redis);
  });

  const base = (delivery: string, over: Partial<Notice> = {}): Notice => ({
    schema_version: 'notice.v1',
    notice_id: noticeIdFor(delivery, 'approval'),
    owner: 'octo-org',
    repo: 'app',
    head_sha: 'a'.repeat(40),
    installation_id: 7,
    name: 'CI / fork approval',
    delivery,
    at: 1000,
    status: 'queued',
    output: { title: 'Waiting for approval', summary: 'wait' },
    actions: [{ label: 'Approve and run', identifier: 'solstice-approve', description: 'd' }],
    ...over,
  });

  it('is made from the notice, queued for its installation, and takes later states only', async () => {
    const records = createRecordStore({ redis, keys, ttlSeconds: 60 });
    const n = base('d-1');
    expect(await records.recordNotice(n, '7')).toBe('queued');
    const queued = await records.get(n.notice_id);
    expect(queued).toMatchObject({
      source: 'notice',
      request_id: n.notice_id,
      head_sha: n.head_sha,
      installation_id: 7,
      name: 'CI / fork approval',
      job_id: null,
      want: 'queued',
      want_v: 1,
    });
    expect(JSON.parse(queued!.notice!)).toEqual({
      status: 'queued',
      output: n.output,
      actions: n.actions,
    });
    expect(await redis.zrange(keys.writer.queue('7'), 0, -1)).toEqual([n.notice_id]);
    // The same notice again (a redelivered entry) changes nothing.
    expect(await records.recordNotice(n, '7')).toBe('stale');

    const done = base('d-1', {
      at: 2000,
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Approved by @boss', summary: 'ok' },
      actions: [],
    });
    expect(await records.recordNotice(done, '7')).toBe('queued');
    const completed = await records.get(n.notice_id);
    expect(completed).toMatchObject({ want: 'completed', want_v: 2, conclusion: 'success' });
    expect(JSON.parse(completed!.notice!)).toEqual({
      status: 'completed',
      conclusion: 'success',
      completed_at: new Date(2000).toISOString(),
      output: done.output,
      actions: [],
    });
    // A later "still waiting" (a refused click read after the approval) never undoes it.
    expect(await records.recordNotice(base('d-1', { at: 3000 }), '7')).toBe('stale');
    expect((await records.get(n.notice_id))?.want).toBe('completed');
  });
});
