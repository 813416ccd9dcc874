import { describe, expect, it } from 'vitest';
import {
  chooseRedeliveries,
  failedDeliveries,
  nextAttemptAt,
  type HookDelivery,
  type Marker,
} from '../../../src/recovery/choose-redeliveries.js';

let nextId = 100;
const item = (
  guid: string,
  status_code: number,
  over: Partial<HookDelivery> = {},
): HookDelivery => ({
  id: nextId++,
  guid,
  delivered_at: '2025-01-01T00:00:00Z',
  redelivery: false,
  status: status_code >= 200 && status_code < 300 ? 'OK' : `Invalid HTTP Response: ${status_code}`,
  status_code,
  event: 'push',
  action: null,
  ...over,
});
const none = new Set<string>();
const unmarked = new Map<string, Marker>();
const NOW = Date.parse('2025-01-01T01:00:00Z');
const opts = (over: { max?: number; maxAttempts?: number; ackedSinceMs?: number } = {}) => ({
  max: 50,
  maxAttempts: 1,
  now: NOW,
  ...over,
});
const marked = (guid: string, attempts: number, nextAt = 0) =>
  new Map<string, Marker>([[guid, { attempts, nextAt }]]);
const guidsOf = (ds: HookDelivery[]) => ds.map((d) => d.guid);

describe('failedDeliveries', () => {
  it('takes deliveries answered with anything but 2xx, including no answer at all (0)', () => {
    const items = [item('a', 202), item('b', 503), item('c', 0), item('d', 204), item('e', 401)];
    expect(guidsOf(failedDeliveries(items))).toEqual(['b', 'c', 'e']);
  });

  it('decides per GUID on the newest item: a failure redelivered successfully is not failed', () => {
    const failedFirst = item('a', 503);
    const redeliveredOk = item('a', 202, { redelivery: true });
    expect(failedDeliveries([redeliveredOk, failedFirst])).toEqual([]);
  });

  it('counts a GUID whose redelivery failed again once, by its newest item', () => {
    const first = item('a', 0);
    const again = item('a', 503, { redelivery: true });
    expect(failedDeliveries([again, first])).toEqual([again]);
  });

  it('lists them oldest first whatever order they came in', () => {
    const older = item('x', 500);
    const newer = item('y', 500);
    expect(guidsOf(failedDeliveries([newer, older]))).toEqual(['x', 'y']);
  });
});

describe('chooseRedeliveries', () => {
  it('redelivers a failed delivery that was never stored nor redelivered', () => {
    const failed = item('lost', 0);
    const plan = chooseRedeliveries([item('fine', 202), failed], none, unmarked, opts());
    expect(plan.redeliver).toEqual([failed]);
    expect(plan.failed).toEqual([failed]);
    expect(plan.stillFailing).toEqual([]);
  });

  it('leaves alone a failed delivery whose (hook id, GUID) was stored', () => {
    const plan = chooseRedeliveries(
      [item('timed-out', 0)],
      new Set(['timed-out']),
      unmarked,
      opts(),
    );
    expect(plan.redeliver).toEqual([]);
    expect(guidsOf(plan.stored)).toEqual(['timed-out']);
  });

  it('redelivers at most maxAttempts times in a window: then it is still failing', () => {
    const plan = chooseRedeliveries([item('bad', 401)], none, marked('bad', 1), opts());
    expect(plan.redeliver).toEqual([]);
    expect(guidsOf(plan.stillFailing)).toEqual(['bad']);
  });

  it('redelivers at most `max`, oldest first, and defers the rest', () => {
    const items = [item('1', 503), item('2', 503), item('3', 503)].reverse();
    const plan = chooseRedeliveries(items, none, unmarked, opts({ max: 2 }));
    expect(guidsOf(plan.redeliver)).toEqual(['1', '2']);
    expect(guidsOf(plan.deferred)).toEqual(['3']);
  });

  it('has nothing to do when every delivery succeeded', () => {
    const plan = chooseRedeliveries(
      [item('a', 202), item('b', 200), item('c', 204)],
      none,
      unmarked,
      opts(),
    );
    expect(plan).toEqual({
      failed: [],
      lostAfterAck: [],
      redeliver: [],
      waiting: [],
      stillFailing: [],
      stored: [],
      deferred: [],
    });
  });

  it('redelivers a failed redelivery again once its back-off has passed, up to maxAttempts', () => {
    const items = [item('flaky', 503)];
    const waiting = chooseRedeliveries(
      items,
      none,
      marked('flaky', 1, NOW + 1),
      opts({ maxAttempts: 3 }),
    );
    expect(guidsOf(waiting.waiting)).toEqual(['flaky']);
    expect(waiting.redeliver).toEqual([]);
    const due = chooseRedeliveries(items, none, marked('flaky', 2, NOW), opts({ maxAttempts: 3 }));
    expect(guidsOf(due.redeliver)).toEqual(['flaky']);
    const spent = chooseRedeliveries(items, none, marked('flaky', 3, 0), opts({ maxAttempts: 3 }));
    expect(guidsOf(spent.stillFailing)).toEqual(['flaky']);
  });

  it('doubles the back-off with each attempt', () => {
    expect([1, 2, 3].map((n) => nextAttemptAt(0, n, 1000))).toEqual([1000, 2000, 4000]);
  });

  it('redelivers a 202 whose key is gone (lost with a primary), only while the key would still live', () => {
    const lost = item('lost', 202, { delivered_at: '2025-01-01T00:30:00Z' });
    const expired = item('expired', 202, { delivered_at: '2025-01-01T00:00:00Z' });
    const kept = item('kept', 202, { delivered_at: '2025-01-01T00:30:00Z' });
    const duplicate = item('duplicate', 200, { delivered_at: '2025-01-01T00:30:00Z' });
    const ignored = item('ignored', 204, { delivered_at: '2025-01-01T00:30:00Z' });
    const plan = chooseRedeliveries(
      [ignored, duplicate, kept, expired, lost],
      new Set(['kept']),
      unmarked,
      opts({ ackedSinceMs: Date.parse('2025-01-01T00:15:00Z') }),
    );
    expect(plan.lostAfterAck).toEqual([lost]);
    expect(plan.redeliver).toEqual([lost]);
    const off = chooseRedeliveries([lost], none, unmarked, opts());
    expect(off.redeliver).toEqual([]);
  });
});
