import { describe, expect, it } from 'vitest';
import {
  closeAll,
  exitCodeOf,
  SHUTDOWN_LIMITS,
  shutdownReport,
  stepLimitMs,
  type CloseStep,
} from '@solstice/shared';
import { captureLogger } from '../../../test/support/log.js';

const L = { drainMs: 10_000, stepMs: 2_000, closeMs: 18_000, exitMs: 20_000 };

describe('the bounds of a stop', () => {
  it('stays below the 30 s a supervisor waits before SIGKILL, and each bound inside the next', () => {
    const s = SHUTDOWN_LIMITS;
    expect(s.drainMs).toBeLessThan(s.closeMs);
    expect(s.closeMs).toBeLessThan(s.exitMs);
    expect(s.exitMs).toBeLessThan(30_000);
  });

  it('drain steps share the drain window from the signal', () => {
    expect(stepLimitMs('drain', 0, 0, L)).toBe(10_000);
    // A second drain step (the reporter's writers after its runner) gets what is left.
    expect(stepLimitMs('drain', 0, 7_000, L)).toBe(3_000);
    expect(stepLimitMs('drain', 0, 10_000, L)).toBe(0);
    expect(stepLimitMs('drain', 0, 12_000, L)).toBe(0);
  });

  it('each close step gets its own bound, cut to what is left before the close deadline', () => {
    expect(stepLimitMs('close', 0, 10_000, L)).toBe(2_000);
    expect(stepLimitMs('close', 0, 16_500, L)).toBe(1_500);
    expect(stepLimitMs('close', 0, 18_000, L)).toBe(0);
    expect(stepLimitMs('close', 1_000, 17_000, L)).toBe(2_000);
  });

  it('is clean only when every step closed and no entry was left pending', () => {
    const clean = shutdownReport([
      { step: 'stream runner', result: 'closed', pending: [] },
      { step: 'Redis', result: 'closed' },
    ]);
    expect(clean).toEqual({ clean: true, notClosed: [], pending: {} });
    expect(exitCodeOf(clean)).toBe(0);
    expect(exitCodeOf(undefined)).toBe(0);

    const left = shutdownReport([
      { step: 'stream runner', result: 'timed out', pending: ['1-0', '2-0'] },
      { step: 'Redis', result: 'closed' },
      { step: 'ops server', result: 'skipped' },
    ]);
    expect(left).toEqual({
      clean: false,
      notClosed: ['stream runner: timed out', 'ops server: skipped'],
      pending: { 'stream runner': ['1-0', '2-0'] },
    });
    expect(exitCodeOf(left)).toBe(1);
    // Entries whose commit failed, though the runner itself stopped in time.
    expect(
      exitCodeOf(shutdownReport([{ step: 'stream runner', result: 'closed', pending: ['3-0'] }])),
    ).toBe(1);
    expect(exitCodeOf(shutdownReport([{ step: 'AMQP connection', result: 'failed' }]))).toBe(1);
  });
});

describe('closeAll', () => {
  const short = { drainMs: 60, stepMs: 30, closeMs: 200, exitMs: 300 };

  it('gives up on a step that hangs or throws, runs the rest, and logs one line with what was left', async () => {
    const { log, lines } = captureLogger();
    const ran: string[] = [];
    const steps: CloseStep[] = [
      {
        name: 'stream runner',
        kind: 'drain',
        step: () => new Promise(() => undefined), // Redis away: never settles
        pending: () => ['5-0', '6-0'],
      },
      { name: 'channel', kind: 'close', step: () => Promise.reject(new Error('already closed')) },
      { name: 'Redis', kind: 'close', step: () => void ran.push('Redis') },
    ];
    const report = await closeAll(log, steps, Date.now(), short);
    expect(ran).toEqual(['Redis']);
    expect(report).toEqual({
      clean: false,
      notClosed: ['stream runner: timed out', 'channel: failed'],
      pending: { 'stream runner': ['5-0', '6-0'] },
    });
    const summary = lines().filter((l) => l.level === 50);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      notClosed: ['stream runner: timed out', 'channel: failed'],
      pending: { 'stream runner': ['5-0', '6-0'] },
    });
  });

  it('skips the steps left once the close deadline has passed', async () => {
    const { log } = captureLogger();
    let ran = false;
    const report = await closeAll(
      log,
      [{ name: 'Redis', kind: 'close', step: () => void (ran = true) }],
      Date.now() - short.closeMs,
      short,
    );
    expect(ran).toBe(false);
    expect(report.notClosed).toEqual(['Redis: skipped']);
  });

  it('is clean when everything closes', async () => {
    const { log, lines } = captureLogger();
    const report = await closeAll(
      log,
      [
        { name: 'stream runner', kind: 'drain', step: async () => undefined, pending: () => [] },
        { name: 'Redis', kind: 'close', step: () => undefined },
      ],
      Date.now(),
      short,
    );
    expect(report.clean).toBe(true);
    expect(lines().at(-1)?.msg).toBe('closed cleanly');
  });
});
