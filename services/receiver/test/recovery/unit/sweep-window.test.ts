import { describe, expect, it } from 'vitest';
import type { HookDelivery } from '../../../src/recovery/choose-redeliveries.js';
import { inWindow, nextCursor, type SweepWindow } from '../../../src/recovery/sweep-window.js';

const at = (iso: string) => Date.parse(iso);
const item = (id: number, delivered_at: string): HookDelivery => ({
  id,
  guid: `g${id}`,
  delivered_at,
  redelivery: false,
  status: 'OK',
  status_code: 200,
  event: 'push',
  action: null,
});

describe('inWindow', () => {
  const noCursor: SweepWindow = {
    floorMs: at('2025-01-01T00:00:00Z'),
    cursor: undefined,
    settleMs: 0,
  };

  it('takes everything back to the look-back limit when there is no cursor', () => {
    expect(inWindow(item(1, '2025-01-01T00:00:00Z'), noCursor)).toBe(true);
    expect(inWindow(item(2, '2024-12-31T23:59:59Z'), noCursor)).toBe(false);
  });

  it('stops at the cursor: what the last sweep saw is not looked at again', () => {
    const w = { ...noCursor, cursor: { id: 50, at: '2025-01-02T00:00:00Z' } };
    expect(inWindow(item(51, '2025-01-02T00:00:00Z'), w)).toBe(true);
    expect(inWindow(item(50, '2025-01-02T00:00:00Z'), w)).toBe(false);
    expect(inWindow(item(49, '2025-01-01T23:00:00Z'), w)).toBe(false);
  });

  it('looks again a settle time before the cursor, for deliveries listed late', () => {
    const w = { ...noCursor, cursor: { id: 50, at: '2025-01-02T00:01:00Z' }, settleMs: 60_000 };
    expect(inWindow(item(49, '2025-01-02T00:00:30Z'), w)).toBe(true);
    expect(inWindow(item(48, '2025-01-02T00:00:00Z'), w)).toBe(false);
  });

  it('never goes past the look-back limit, whatever the cursor says', () => {
    const w = { ...noCursor, cursor: { id: 10, at: '2024-12-01T00:00:00Z' } };
    expect(inWindow(item(11, '2024-12-31T00:00:00Z'), w)).toBe(false);
    expect(inWindow(item(12, '2025-01-01T00:00:01Z'), w)).toBe(true);
  });

  it('refuses an item whose time cannot be read', () => {
    expect(inWindow(item(1, 'yesterday'), noCursor)).toBe(false);
  });
});

describe('nextCursor', () => {
  const seen = [
    item(7, '2025-01-01T00:07:00Z'),
    item(9, '2025-01-01T00:09:00Z'),
    item(8, '2025-01-01T00:08:00Z'),
  ];

  it('moves to the newest delivery seen', () => {
    expect(nextCursor(seen, [], undefined)).toEqual({ id: 9, at: '2025-01-01T00:09:00Z' });
  });

  it('stays just below the oldest delivery left for later, so the next sweep sees it', () => {
    const later = [seen[2]!, seen[0]!];
    expect(nextCursor(seen, later, undefined)).toEqual({ id: 6, at: '2025-01-01T00:07:00Z' });
  });

  it('keeps the previous cursor when nothing new was seen', () => {
    const previous = { id: 9, at: '2025-01-01T00:09:00Z' };
    expect(nextCursor([], [], previous)).toBe(previous);
    expect(nextCursor([item(8, '2025-01-01T00:08:00Z')], [], previous)).toBe(previous);
  });
});
