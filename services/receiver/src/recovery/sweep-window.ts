import type { HookDelivery } from './choose-redeliveries.js';

/** Where the last completed sweep got to: its newest delivery (id and time). */
export interface SweepCursor {
  id: number;
  at: string;
}

/** Which listed deliveries a sweep looks at. */
export interface SweepWindow {
  /** Nothing older than this is looked at (the look-back limit, or --since). */
  floorMs: number;
  cursor: SweepCursor | undefined;
  /**
   * How far before the cursor's time to look again. GitHub numbers a delivery when it
   * starts the attempt and may list it only when the attempt ends (it waits up to 10 s
   * for an answer), so a slow delivery can show up below the cursor after a sweep.
   */
  settleMs: number;
}

/**
 * Whether a listed delivery is inside the window. Items come newest first, so the sweep
 * stops paging at the first one outside it.
 */
export function inWindow(item: HookDelivery, w: SweepWindow): boolean {
  const at = Date.parse(item.delivered_at);
  if (Number.isNaN(at) || at < w.floorMs) return false;
  if (!w.cursor) return true;
  return item.id > w.cursor.id || at > Date.parse(w.cursor.at) - w.settleMs;
}

/**
 * The cursor after a completed sweep: its newest delivery, or — when some deliveries were
 * left for later (over the per-sweep limit, or the redelivery call failed) — just below
 * the oldest of those, so the next sweep looks at them again.
 */
export function nextCursor(
  seen: HookDelivery[],
  leftForLater: HookDelivery[],
  previous: SweepCursor | undefined,
): SweepCursor | undefined {
  if (leftForLater.length > 0) {
    const oldest = leftForLater.reduce((a, b) => (b.id < a.id ? b : a));
    return { id: oldest.id - 1, at: oldest.delivered_at };
  }
  if (seen.length === 0) return previous;
  const newest = seen.reduce((a, b) => (b.id > a.id ? b : a));
  if (previous && previous.id >= newest.id) return previous;
  return { id: newest.id, at: newest.delivered_at };
}
