import { describe, expect, it } from 'vitest';
import {
  chooseRedeliveries,
  failedDeliveries,
  type HookDelivery,
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
    const plan = chooseRedeliveries([item('fine', 202), failed], none, none, 50);
    expect(plan.redeliver).toEqual([failed]);
    expect(plan.failed).toEqual([failed]);
    expect(plan.stillFailing).toEqual([]);
  });

  it('leaves alone a failed delivery whose (hook id, GUID) was stored', () => {
    const plan = chooseRedeliveries([item('timed-out', 0)], new Set(['timed-out']), none, 50);
    expect(plan.redeliver).toEqual([]);
    expect(guidsOf(plan.stored)).toEqual(['timed-out']);
  });

  it('does not redeliver twice in a window: already redelivered and failing again is still failing', () => {
    const plan = chooseRedeliveries([item('bad', 401)], none, new Set(['bad']), 50);
    expect(plan.redeliver).toEqual([]);
    expect(guidsOf(plan.stillFailing)).toEqual(['bad']);
  });

  it('redelivers at most `max`, oldest first, and defers the rest', () => {
    const items = [item('1', 503), item('2', 503), item('3', 503)].reverse();
    const plan = chooseRedeliveries(items, none, none, 2);
    expect(guidsOf(plan.redeliver)).toEqual(['1', '2']);
    expect(guidsOf(plan.deferred)).toEqual(['3']);
  });

  it('has nothing to do when every delivery succeeded', () => {
    const plan = chooseRedeliveries(
      [item('a', 202), item('b', 200), item('c', 204)],
      none,
      none,
      50,
    );
    expect(plan).toEqual({ failed: [], redeliver: [], stillFailing: [], stored: [], deferred: [] });
  });
});
