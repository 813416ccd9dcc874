import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '@solstice/shared';
import type { DeadLetters } from '../../src/adapters/dead-letters.js';
import type { RecordStore, WantedCompletion } from '../../src/adapters/record-store.js';
import { handleResultMessage } from '../../src/handle-result-message.js';
import { NO_RECORD } from '../../src/trust-result.js';
import { captureLogger } from '../../../../test/support/log.js';
import { envelope, recordOf, resultOf } from './fixtures.js';

/** Hand-written doubles of the record store and the DLQ, remembering what they were asked. */
function doubles(o: { record?: CheckRecord; dlqConfirms?: boolean; redisDown?: boolean } = {}) {
  const recorded: { requestId: string; installation: string; wanted: WantedCompletion }[] = [];
  const dead: { body: string; reason: string }[] = [];
  let woken = 0;
  const records: RecordStore = {
    async get() {
      if (o.redisDown) throw new Error('Connection is closed.');
      return o.record;
    },
    async recordQueued() {
      return 'queued';
    },
    async recordNotice() {
      return 'queued';
    },
    async recordCompleted(requestId, installation, wanted) {
      recorded.push({ requestId, installation, wanted });
      return 'recorded';
    },
  };
  const deadLetters = {
    async result(body: string | Buffer, reason: string) {
      dead.push({ body: body.toString(), reason });
      return o.dlqConfirms ?? true;
    },
  } as unknown as DeadLetters;
  const logs = captureLogger();
  return {
    recorded,
    dead,
    woken: () => woken,
    logs,
    deps: {
      records,
      dead: deadLetters,
      logsBaseUrl: 'http://orch:8090',
      queued: () => void woken++,
      log: logs.log,
    },
  };
}

const body = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('one JobResult message', () => {
  const e = envelope();

  it('records the completed run its record wants, wakes the writers, and is acked', async () => {
    const t = doubles({ record: recordOf(e, { want: 'queued', want_v: 1 }) });
    const d = await handleResultMessage(body(resultOf(e)), t.deps);
    expect(d).toEqual({ action: 'ack', outcome: 'recorded' });
    expect(t.recorded).toHaveLength(1);
    expect(t.recorded[0]).toMatchObject({
      requestId: e.job.request_id,
      installation: '7',
      wanted: { conclusion: 'success', resultAt: Date.parse('2026-03-04T05:06:07Z') },
    });
    expect(JSON.parse(t.recorded[0]!.wanted.completion)).toMatchObject({
      status: 'completed',
      details_url: `http://orch:8090/jobs/${e.job.request_id}/logs`,
    });
    expect(t.woken()).toBe(1);
  });

  it('acks a result GitHub already shows without recording it again', async () => {
    const at = Date.parse('2026-03-04T05:06:07Z');
    const record = recordOf(e, {
      want: 'completed',
      want_v: 2,
      shown_v: 2,
      result_at: at,
      conclusion: 'success',
    });
    const t = doubles({ record });
    expect(await handleResultMessage(body(resultOf(e)), t.deps)).toEqual({
      action: 'ack',
      outcome: 'duplicate',
    });
    expect(t.recorded).toEqual([]);
  });

  it('sends a result without a record to the DLQ with the reason, and acks it', async () => {
    const t = doubles();
    const d = await handleResultMessage(body(resultOf(e)), t.deps);
    expect(d).toEqual({ action: 'ack', outcome: 'untrusted' });
    expect(t.dead).toEqual([{ body: JSON.stringify(resultOf(e)), reason: NO_RECORD }]);
    expect(t.recorded).toEqual([]);
  });

  it('dead-letters by a plain nack when the DLQ does not confirm', async () => {
    const t = doubles({ dlqConfirms: false });
    expect(await handleResultMessage(body('{"oops"'), t.deps)).toMatchObject({
      action: 'dead',
      reason: expect.stringMatching(/not JSON/),
    });
  });

  it('names the bad field and the request_id it carried', async () => {
    const t = doubles();
    await handleResultMessage(body({ ...resultOf(e), success: 'yes' }), t.deps);
    expect(t.dead[0]!.reason).toMatch(/success must be a boolean/);
    expect(t.logs.lines().at(-1)).toMatchObject({
      msg: 'invalid JobResult dead-lettered',
      request_id: e.job.request_id,
    });
  });

  it('stays unacked, to be tried again, while Redis cannot be reached', async () => {
    const t = doubles({ redisDown: true });
    expect(await handleResultMessage(body(resultOf(e)), t.deps)).toMatchObject({
      action: 'retry',
    });
    expect(t.dead).toEqual([]);
  });
});
