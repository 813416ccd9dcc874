import type { Logger } from '@solstice/shared';
import {
  chooseRedeliveries,
  failedDeliveries,
  type HookDelivery,
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
  /** How long a redelivered GUID is not redelivered again (the window). */
  markerTtlSeconds: number;
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
  /** Another sweep marked it first. */
  raced: HookDelivery[];
  cursor: SweepCursor | undefined;
}

/**
 * One sweep: list the App's deliveries newest first back to the cursor or the look-back
 * limit, whichever is nearer, and redeliver each one whose newest attempt failed and that
 * the receiver never stored — once per window, at most `maxRedeliveries`.
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

  const failing = failedDeliveries(seen);
  const guids = failing.map((d) => d.guid);
  let stored = new Set<string>();
  let marked = new Set<string>();
  if (failing.length > 0) {
    const hookId = await resolveHookId(deps, o, failing[0]!);
    stored = await deps.state.storedGuids(hookId, guids);
    if (!o.retryRedelivered) marked = await deps.state.redeliveredGuids(guids);
  }
  const plan = chooseRedeliveries(seen, stored, marked, o.maxRedeliveries);
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
    const ours = await deps.state.markRedelivered(d.guid, o.token, o.markerTtlSeconds);
    if (!ours && !o.retryRedelivered) {
      report.raced.push(d);
      continue;
    }
    const log = deps.log.child({ delivery: d.guid, deliveryId: d.id });
    try {
      await deps.github.redeliver(d.id);
      report.redelivered.push(d);
      log.info(
        { event: d.event, action: d.action, failedWith: d.status },
        'redelivered a failed webhook delivery',
      );
    } catch (err) {
      report.errors.push(d);
      if (ours) await deps.state.unmarkRedelivered(d.guid, o.token);
      log.warn({ err }, 'redelivery request failed; the next sweep tries again');
    }
  }
  if (o.useCursor && !o.dryRun) {
    const next = nextCursor(seen, [...plan.deferred, ...report.errors], cursor);
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
