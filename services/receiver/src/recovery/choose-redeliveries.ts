/** The fields of a GitHub hook delivery item the sweep decides on. */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
}

/** A redelivery marker: how often sweeps redelivered a GUID, and when the next may. */
export interface Marker {
  attempts: number;
  /** Epoch ms; 0: at once. */
  nextAt: number;
}

/** What one sweep does with the deliveries it listed. */
export interface RedeliveryPlan {
  /** Newest item of each GUID whose last attempt failed (not 2xx). */
  failed: HookDelivery[];
  /**
   * Newest item of each GUID GitHub saw answered 202 (the receiver had stored it) whose
   * (hook id, GUID) is gone: lost with a Redis primary before it reached a replica.
   */
  lostAfterAck: HookDelivery[];
  /** Failed (or lost) and not stored, not redelivered too often: redeliver now, oldest first. */
  redeliver: HookDelivery[];
  /** Redelivered by a sweep already and failed again, waiting for its back-off. */
  waiting: HookDelivery[];
  /** Redelivered the most times allowed (maxAttempts) in this window, still failing. */
  stillFailing: HookDelivery[];
  /** Failed as GitHub saw it, yet stored (e.g. the answer timed out after the write). */
  stored: HookDelivery[];
  /** Would be redelivered, but over the per-sweep limit: left for the next sweep. */
  deferred: HookDelivery[];
}

export interface PlanOptions {
  /** Redeliveries per sweep. */
  max: number;
  /** Redeliveries of one GUID per window. */
  maxAttempts: number;
  now: number;
  /**
   * Look for 202s whose key is gone among deliveries from this time on (epoch ms): younger
   * than the delivery key's TTL, so a gone key means lost, not expired. Undefined: off.
   */
  ackedSinceMs?: number;
}

export const succeeded = (d: HookDelivery): boolean => d.status_code >= 200 && d.status_code < 300;

/** The newest item of each GUID: a redelivery is a new item with the same GUID. */
function newestOfEach(items: HookDelivery[]): HookDelivery[] {
  const newest = new Map<string, HookDelivery>();
  for (const item of items) {
    const seen = newest.get(item.guid);
    if (!seen || item.id > seen.id) newest.set(item.guid, item);
  }
  return [...newest.values()].sort((a, b) => a.id - b.id);
}

/**
 * The newest item of each GUID whose status is not 2xx. A GUID that failed and was then
 * redelivered successfully is not failed.
 */
export function failedDeliveries(items: HookDelivery[]): HookDelivery[] {
  return newestOfEach(items).filter((d) => !succeeded(d));
}

/**
 * The newest item of each GUID answered 202 at or after `sinceMs`. Only 202 means stored:
 * 200 and 204 answer pings, duplicates and ignored events, which leave no entry.
 */
export function acknowledgedDeliveries(items: HookDelivery[], sinceMs: number): HookDelivery[] {
  return newestOfEach(items).filter(
    (d) => d.status_code === 202 && Date.parse(d.delivered_at) >= sinceMs,
  );
}

/**
 * Which deliveries to redeliver: those whose newest attempt failed, or that were answered
 * 202 and are gone from the store, whose (hook id, GUID) is not stored, and that sweeps
 * have not redelivered `maxAttempts` times yet (nor within their back-off) — at most `max`,
 * oldest first, since GitHub forgets the oldest first (after 3 days).
 */
export function chooseRedeliveries(
  items: HookDelivery[],
  storedGuids: ReadonlySet<string>,
  markers: ReadonlyMap<string, Marker>,
  o: PlanOptions,
): RedeliveryPlan {
  const plan: RedeliveryPlan = {
    failed: failedDeliveries(items),
    lostAfterAck: [],
    redeliver: [],
    waiting: [],
    stillFailing: [],
    stored: [],
    deferred: [],
  };
  if (o.ackedSinceMs !== undefined) {
    plan.lostAfterAck = acknowledgedDeliveries(items, o.ackedSinceMs).filter(
      (d) => !storedGuids.has(d.guid),
    );
  }
  const candidates = [...plan.failed, ...plan.lostAfterAck].sort((a, b) => a.id - b.id);
  for (const d of candidates) {
    const marker = markers.get(d.guid);
    if (storedGuids.has(d.guid)) plan.stored.push(d);
    else if (marker && marker.attempts >= o.maxAttempts) plan.stillFailing.push(d);
    else if (marker && marker.nextAt > o.now) plan.waiting.push(d);
    else if (plan.redeliver.length < o.max) plan.redeliver.push(d);
    else plan.deferred.push(d);
  }
  return plan;
}

/** When a GUID redelivered for the `attempts`-th time may be redelivered again. */
export function nextAttemptAt(now: number, attempts: number, backoffMs: number): number {
  return now + backoffMs * 2 ** Math.min(attempts - 1, 10);
}
