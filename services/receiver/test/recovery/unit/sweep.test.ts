import { describe, expect, it } from 'vitest';
import type { HookDelivery } from '../../../src/recovery/choose-redeliveries.js';
import type { HookDeliveries } from '../../../src/recovery/hook-deliveries.js';
import type { Claim, SweepState } from '../../../src/recovery/sweep-state.js';
import type { SweepCursor } from '../../../src/recovery/sweep-window.js';
import { runSweep, type SweepOptions } from '../../../src/recovery/sweep.js';
import { captureLogger } from '../../../../../test/support/log.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const HOOK = '4242';

/** GitHub's deliveries list, newest first, in pages; records what the sweep asked. */
class FakeGitHub implements HookDeliveries {
  items: HookDelivery[] = [];
  pagesServed = 0;
  redelivered: number[] = [];
  hookIdLookups = 0;
  refuse = new Set<number>();
  private nextId = 1000;

  add(guid: string, status_code: number, minutesAgo: number): HookDelivery {
    const d: HookDelivery = {
      id: this.nextId++,
      guid,
      delivered_at: new Date(NOW - minutesAgo * 60_000).toISOString(),
      redelivery: false,
      status: status_code === 0 ? 'connection refused' : `HTTP ${status_code}`,
      status_code,
      event: 'push',
      action: null,
    };
    this.items.unshift(d);
    return d;
  }

  async *pages(perPage: number) {
    for (let i = 0; i < this.items.length; i += perPage) {
      this.pagesServed++;
      yield this.items.slice(i, i + perPage);
    }
  }

  async hookIdOf() {
    this.hookIdLookups++;
    return HOOK;
  }

  async redeliver(id: number) {
    if (this.refuse.has(id)) throw Object.assign(new Error('Not Found'), { status: 404 });
    this.redelivered.push(id);
  }
}

class MemoryState implements SweepState {
  cursor: SweepCursor | undefined;
  hookId: string | undefined;
  /** `hookId:guid` of the deliveries the receiver stored. */
  stored = new Set<string>();
  marks = new Map<string, { token: string; attempts: number; nextAt: number }>();

  async readCursor() {
    return this.cursor;
  }
  async writeCursor(c: SweepCursor) {
    this.cursor = c;
  }
  async readHookId() {
    return this.hookId;
  }
  async writeHookId(id: string) {
    this.hookId = id;
  }
  async storedGuids(hookId: string, guids: string[]) {
    return new Set(guids.filter((g) => this.stored.has(`${hookId}:${g}`)));
  }
  async markers(guids: string[]) {
    return new Map(guids.filter((g) => this.marks.has(g)).map((g) => [g, this.marks.get(g)!]));
  }
  async claimRedelivery(guid: string, c: Claim) {
    const m = this.marks.get(guid);
    if (!c.force && m && (m.attempts >= c.maxAttempts || m.nextAt > c.now)) return false;
    this.marks.set(guid, { token: c.token, attempts: (m?.attempts ?? 0) + 1, nextAt: c.nextAt });
    return true;
  }
  async releaseRedelivery(guid: string, token: string) {
    const m = this.marks.get(guid);
    if (m?.token !== token) return;
    if (m.attempts <= 1) this.marks.delete(guid);
    else this.marks.set(guid, { ...m, attempts: m.attempts - 1, nextAt: 0 });
  }
}

function setup() {
  const github = new FakeGitHub();
  const state = new MemoryState();
  const logs = captureLogger();
  const clock = { now: NOW };
  const options: SweepOptions = {
    lookbackMs: 72 * 3600_000,
    useCursor: true,
    maxRedeliveries: 50,
    markerTtlSeconds: 72 * 3600,
    token: 'copy-1',
    perPage: 2,
    settleMs: 0,
  };
  const sweep = (over: Partial<SweepOptions> = {}) =>
    runSweep({ github, state, log: logs.log, now: () => clock.now }, { ...options, ...over });
  return { github, state, logs, sweep, clock };
}

describe('runSweep', () => {
  it('redelivers a failed delivery that was never stored, and logs it without secrets', async () => {
    const { github, logs, sweep } = setup();
    github.add('ok', 202, 30);
    const lost = github.add('lost', 0, 20);
    const report = await sweep();
    expect(github.redelivered).toEqual([lost.id]);
    expect(report.checked).toBe(2);
    expect(report.redelivered).toEqual([lost]);
    const line = logs.lines().find((l) => l.msg === 'redelivered a failed webhook delivery');
    expect(line).toMatchObject({
      delivery: 'lost',
      deliveryId: lost.id,
      failedWith: 'connection refused',
    });
  });

  it('leaves a failed delivery alone when its (hook id, GUID) is stored', async () => {
    const { github, state, sweep } = setup();
    github.add('answered-late', 0, 5);
    state.stored.add(`${HOOK}:answered-late`);
    const report = await sweep();
    expect(github.redelivered).toEqual([]);
    expect(report.stored.map((d) => d.guid)).toEqual(['answered-late']);
  });

  it('learns the hook id from one delivery once, then reads it from the state', async () => {
    const { github, state, sweep } = setup();
    github.add('a', 503, 10);
    await sweep();
    github.add('b', 503, 5);
    await sweep();
    expect(github.hookIdLookups).toBe(1);
    expect(state.hookId).toBe(HOOK);
  });

  it('uses GITHUB_APP_HOOK_ID when given and asks GitHub nothing about it', async () => {
    const { github, state, sweep } = setup();
    github.add('a', 503, 10);
    state.stored.add('99:a');
    const report = await sweep({ hookId: '99' });
    expect(github.hookIdLookups).toBe(0);
    expect(report.stored).toHaveLength(1);
  });

  it('asks nothing about the hook when every delivery succeeded', async () => {
    const { github, sweep } = setup();
    github.add('a', 202, 10);
    await sweep();
    expect(github.hookIdLookups).toBe(0);
  });

  it('pages back to the look-back limit and no further', async () => {
    const { github, sweep } = setup();
    github.add('too-old', 503, 73 * 60);
    for (let i = 0; i < 5; i++) github.add(`new-${i}`, 202, 60 - i);
    const report = await sweep({ useCursor: false });
    expect(report.checked).toBe(5);
    expect(github.redelivered).toEqual([]);
    expect(github.pagesServed).toBe(3);
  });

  it('pages back only to the cursor on the next sweep', async () => {
    const { github, state, sweep } = setup();
    for (let i = 0; i < 6; i++) github.add(`old-${i}`, 202, 60 - i);
    await sweep();
    expect(state.cursor?.id).toBe(github.items[0]!.id);
    github.pagesServed = 0;
    const fresh = github.add('fresh', 503, 1);
    const report = await sweep();
    expect(report.checked).toBe(1);
    expect(github.pagesServed).toBe(1);
    expect(github.redelivered).toEqual([fresh.id]);
  });

  it('counts a delivery it redelivered that failed again as still failing, and does not redeliver it again', async () => {
    const { github, sweep } = setup();
    const first = github.add('stubborn', 401, 10);
    await sweep();
    github.add('stubborn', 401, 5);
    const report = await sweep();
    expect(github.redelivered).toEqual([first.id]);
    expect(report.stillFailing.map((d) => d.guid)).toEqual(['stubborn']);
  });

  it('retries a redelivery that failed again after its back-off, at most maxAttempts times, holding the cursor meanwhile', async () => {
    const { github, sweep, clock, state } = setup();
    const retrying = { maxAttempts: 2, retryBackoffMs: 60_000 };
    const first = github.add('flaky', 503, 10);
    await sweep(retrying);
    expect(github.redelivered).toEqual([first.id]);
    const again = github.add('flaky', 503, 5);
    const early = await sweep(retrying);
    expect(early.waiting.map((d) => d.guid)).toEqual(['flaky']);
    expect(early.cursor?.id).toBe(again.id - 1);
    clock.now = NOW + 61_000;
    const due = await sweep(retrying);
    expect(due.redelivered.map((d) => d.guid)).toEqual(['flaky']);
    expect(github.redelivered).toEqual([first.id, again.id]);
    expect(state.marks.get('flaky')).toMatchObject({ attempts: 2, nextAt: clock.now + 120_000 });
    github.add('flaky', 503, 1);
    clock.now = NOW + 3600_000;
    const spent = await sweep(retrying);
    expect(spent.stillFailing.map((d) => d.guid)).toEqual(['flaky']);
    expect(github.redelivered).toHaveLength(2);
  });

  it('redelivers a delivery answered 202 whose key is gone, once, and logs it as lost', async () => {
    const { github, state, sweep, logs } = setup();
    const kept = github.add('kept', 202, 20);
    const lost = github.add('lost', 202, 10);
    github.add('old', 202, 3 * 60);
    state.stored.add(`${HOOK}:${kept.guid}`);
    const report = await sweep({ ackedWithinMs: 60 * 60_000 });
    expect(report.lostAfterAck).toEqual([lost]);
    expect(github.redelivered).toEqual([lost.id]);
    expect(logs.lines().find((l) => l.delivery === 'lost')?.msg).toMatch(/whose entry is gone/);
    const off = await sweep({ useCursor: false });
    expect(off.lostAfterAck).toEqual([]);
  });

  it('redelivers at most maxRedeliveries and keeps the cursor below the rest for the next sweep', async () => {
    const { github, sweep } = setup();
    const lost = [0, 1, 2].map((i) => github.add(`lost-${i}`, 0, 30 - i));
    const first = await sweep({ maxRedeliveries: 2 });
    expect(first.redelivered.map((d) => d.guid)).toEqual(['lost-0', 'lost-1']);
    expect(first.cursor?.id).toBe(lost[2]!.id - 1);
    const second = await sweep({ maxRedeliveries: 2 });
    expect(second.redelivered.map((d) => d.guid)).toEqual(['lost-2']);
    expect(github.redelivered).toEqual(lost.map((d) => d.id));
  });

  it('takes back its mark and retries next sweep when GitHub refuses the redelivery', async () => {
    const { github, state, sweep } = setup();
    const lost = github.add('lost', 0, 10);
    github.refuse.add(lost.id);
    const first = await sweep();
    expect(first.errors).toEqual([lost]);
    expect(state.marks.has('lost')).toBe(false);
    github.refuse.clear();
    await sweep();
    expect(github.redelivered).toEqual([lost.id]);
  });

  it('skips a delivery another sweep marked between its check and its redelivery', async () => {
    const { github, state, sweep } = setup();
    github.add('contested', 0, 10);
    const original = state.markers.bind(state);
    // The other copy marks it right after this sweep looked.
    state.markers = async (guids) => {
      const found = await original(guids);
      state.marks.set('contested', { token: 'copy-2', attempts: 1, nextAt: NOW + 60_000 });
      return found;
    };
    const report = await sweep();
    expect(github.redelivered).toEqual([]);
    expect(report.raced.map((d) => d.guid)).toEqual(['contested']);
  });

  it('by hand: ignores and keeps the cursor, looks back to --since, can redeliver again', async () => {
    const { github, state, sweep } = setup();
    const stubborn = github.add('stubborn', 503, 90);
    state.cursor = { id: 999_999, at: new Date(NOW).toISOString() };
    state.marks.set('stubborn', { token: 'copy-1', attempts: 1, nextAt: 0 });
    const report = await sweep({
      useCursor: false,
      sinceMs: NOW - 2 * 3600_000,
      retryRedelivered: true,
    });
    expect(github.redelivered).toEqual([stubborn.id]);
    expect(report.redelivered).toEqual([stubborn]);
    expect(state.cursor.id).toBe(999_999);
  });

  it('in a dry run redelivers nothing, marks nothing and moves no cursor', async () => {
    const { github, state, sweep } = setup();
    github.add('lost', 0, 10);
    const report = await sweep({ dryRun: true });
    expect(report.redeliver.map((d) => d.guid)).toEqual(['lost']);
    expect(github.redelivered).toEqual([]);
    expect(state.marks.size).toBe(0);
    expect(state.cursor).toBeUndefined();
  });

  it('abandons the sweep without moving the cursor when afterPage throws', async () => {
    const { github, state, sweep } = setup();
    for (let i = 0; i < 4; i++) github.add(`lost-${i}`, 0, 10 - i);
    await expect(
      sweep({
        afterPage: async () => {
          throw new Error('lost the sweep lease');
        },
      }),
    ).rejects.toThrow('lost the sweep lease');
    expect(github.redelivered).toEqual([]);
    expect(state.cursor).toBeUndefined();
  });
});
