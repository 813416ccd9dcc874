import type { Logger } from '@solstice/shared';
import {
  acknowledgedDeliveries,
  chooseRedeliveries,
  failedDeliveries,
  nextAttemptAt,
  succeeded,
  type HookDelivery,
  type Marker,
  type RedeliveryPlan,
} from './choose-redeliveries.js';
import type { HookDeliveries } from './hook-deliveries.js';
import type { SweepState } from './sweep-state.js';
import { inWindow, nextCursor, type SweepCursor } from './sweep-window.js';

export interface SweepDeps {
  github: HookDeliveries;
  state: SweepState;
  log: Logger;
  now?: () => number;
}

export interface SweepOptions {
  /** Look back at most this far (GitHub keeps deliveries 3 days). */
  lookbackMs: number;
  /** Look back to this time instead (epoch ms): a sweep by hand. */
  sinceMs?: number;
  /** Start from the cursor of the last completed sweep, and move it. False for a sweep by hand. */
  useCursor: boolean;
  maxRedeliveries: number;
  /** GITHUB_APP_HOOK_ID; else learnt from a delivery and kept in Redis. */
  hookId?: string;
  /** How long a GUID's redeliveries are counted (the window). */
  markerTtlSeconds: number;
  /** Redeliveries of one GUID per window (default 1: a second failure is left alone). */
  maxAttempts?: number;
  /** The wait before a second redelivery; doubled for each one after (default 60 s). */
  retryBackoffMs?: number;
  /**
   * Also redeliver 202s whose key is gone (lost with a Redis primary) among deliveries
   * younger than this (the delivery key's TTL, DEDUPE_TTL_SECONDS). Undefined: off.
   */
  ackedWithinMs?: number;
  /** Written into the redelivered markers: who redelivered. */
  token: string;
  perPage?: number;
  /** See SweepWindow.settleMs. */
  settleMs?: number;
  /** By hand: redeliver again what a sweep already redelivered once. */
  retryRedelivered?: boolean;
  /** Decide, but redeliver nothing and move no cursor. */
  dryRun?: boolean;
  /** Called after each page; throws to abandon the sweep (lease lost, shutting down). */
  afterPage?: () => Promise<void>;
}

export interface SweepReport extends RedeliveryPlan {
  /** Deliveries looked at. */
  checked: number;
  pages: number;
  /** Redelivered now (GitHub answered 202). */
  redelivered: HookDelivery[];
  /** GitHub refused or failed the redelivery call: left for the next sweep. */
  errors: HookDelivery[];
  /** Another sweep claimed it first. */
  raced: HookDelivery[];
  cursor: SweepCursor | undefined;
}

/**
 * One sweep: list the App's deliveries newest first back to the cursor or the look-back
 * limit, whichever is nearer, and redeliver each one whose newest attempt failed (or that
 * was answered 202 and is gone from the store) and that the receiver has not stored — at
 * most `maxAttempts` times per window with a back-off, at most `maxRedeliveries` per sweep.
 */
export async function runSweep(deps: SweepDeps, o: SweepOptions): Promise<SweepReport> {
  const now = deps.now?.() ?? Date.now();
  const cursor = o.useCursor ? await deps.state.readCursor() : undefined;
  const window = {
    floorMs: o.sinceMs ?? now - o.lookbackMs,
    cursor,
    settleMs: o.settleMs ?? 60_000,
  };
  const seen: HookDelivery[] = [];
  let pages = 0;
  listing: for await (const page of deps.github.pages(o.perPage ?? 100)) {
    pages++;
    for (const item of page) {
      if (!inWindow(item, window)) break listing;
      seen.push(item);
    }
    await o.afterPage?.();
  }

  const ackedSinceMs = o.ackedWithinMs === undefined ? undefined : now - o.ackedWithinMs;
  const candidates = [
    ...failedDeliveries(seen),
    ...(ackedSinceMs === undefined ? [] : acknowledgedDeliveries(seen, ackedSinceMs)),
  ];
  const guids = candidates.map((d) => d.guid);
  let stored = new Set<string>();
  let markers = new Map<string, Marker>();
  if (candidates.length > 0) {
    const hookId = await resolveHookId(deps, o, candidates[0]!);
    stored = await deps.state.storedGuids(hookId, guids);
    if (!o.retryRedelivered) markers = await deps.state.markers(guids);
  }
  const maxAttempts = o.maxAttempts ?? 1;
  const plan = chooseRedeliveries(seen, stored, markers, {
    max: o.maxRedeliveries,
    maxAttempts,
    now,
    ackedSinceMs,
  });
  const report: SweepReport = {
    ...plan,
    redeliver: [...plan.redeliver],
    checked: seen.length,
    pages,
    redelivered: [],
    errors: [],
    raced: [],
    cursor,
  };
  for (const d of plan.redeliver) {
    if (o.dryRun) continue;
    const attempt = (markers.get(d.guid)?.attempts ?? 0) + 1;
    const ours = await deps.state.claimRedelivery(d.guid, {
      token: o.token,
      ttlSeconds: o.markerTtlSeconds,
      now,
      nextAt: nextAttemptAt(now, attempt, o.retryBackoffMs ?? 60_000),
      maxAttempts,
      force: o.retryRedelivered,
    });
    if (!ours) {
      report.raced.push(d);
      continue;
    }
    const log = deps.log.child({ delivery: d.guid, deliveryId: d.id });
    try {
      await deps.github.redeliver(d.id);
      report.redelivered.push(d);
      const lost = succeeded(d);
      log[lost ? 'warn' : 'info'](
        { event: d.event, action: d.action, failedWith: d.status, attempt },
        lost
          ? 'redelivered a delivery answered 202 whose entry is gone (lost with a Redis primary)'
          : 'redelivered a failed webhook delivery',
      );
    } catch (err) {
      report.errors.push(d);
      await deps.state.releaseRedelivery(d.guid, o.token);
      log.warn({ err }, 'redelivery request failed; the next sweep tries again');
    }
  }
  if (o.useCursor && !o.dryRun) {
    // Waiting for a back-off or a turn: the cursor stays below them so the next sweep sees them.
    const later = [...plan.deferred, ...plan.waiting, ...report.errors];
    const next = nextCursor(seen, later, cursor);
    if (next && (next.id !== cursor?.id || next.at !== cursor.at)) {
      await deps.state.writeCursor(next);
    }
    report.cursor = next;
  }
  return report;
}

async function resolveHookId(
  deps: SweepDeps,
  o: SweepOptions,
  sample: HookDelivery,
): Promise<string> {
  if (o.hookId !== undefined) return o.hookId;
  const cached = await deps.state.readHookId();
  if (cached !== undefined) return cached;
  // List items carry no hook id; a delivery's own headers do, and an App has one webhook.
  const hookId = await deps.github.hookIdOf(sample.id);
  if (hookId === undefined) {
    throw new Error(
      `delivery ${sample.id} shows no X-GitHub-Hook-ID header; set GITHUB_APP_HOOK_ID to the App's webhook id`,
    );
  }
  await deps.state.writeHookId(hookId);
  return hookId;
}
