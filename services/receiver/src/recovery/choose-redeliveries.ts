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

/** What one sweep does with the deliveries it listed. */
export interface RedeliveryPlan {
  /** Newest item of each GUID whose last attempt failed (not 2xx). */
  failed: HookDelivery[];
  /** Failed, never stored, never redelivered in this window: redeliver now, oldest first. */
  redeliver: HookDelivery[];
  /** Failed and never stored, but already redelivered once in this window. */
  stillFailing: HookDelivery[];
  /** Failed as GitHub saw it, yet stored (e.g. the answer timed out after the write). */
  stored: HookDelivery[];
  /** Would be redelivered, but over the per-sweep limit: left for the next sweep. */
  deferred: HookDelivery[];
}

export const succeeded = (d: HookDelivery): boolean => d.status_code >= 200 && d.status_code < 300;

/**
 * The newest item of each GUID whose status is not 2xx. A redelivery is a new item with the
 * same GUID, so a GUID that failed and was then redelivered successfully is not failed.
 */
export function failedDeliveries(items: HookDelivery[]): HookDelivery[] {
  const newest = new Map<string, HookDelivery>();
  for (const item of items) {
    const seen = newest.get(item.guid);
    if (!seen || item.id > seen.id) newest.set(item.guid, item);
  }
  return [...newest.values()].filter((d) => !succeeded(d)).sort((a, b) => a.id - b.id);
}

/**
 * Which deliveries to redeliver: those whose newest attempt failed, whose (hook id, GUID)
 * was never stored and that were not already redelivered in this window — at most `max`,
 * oldest first, since GitHub forgets the oldest first (after 3 days).
 */
export function chooseRedeliveries(
  items: HookDelivery[],
  storedGuids: ReadonlySet<string>,
  redeliveredGuids: ReadonlySet<string>,
  max: number,
): RedeliveryPlan {
  const plan: RedeliveryPlan = {
    failed: failedDeliveries(items),
    redeliver: [],
    stillFailing: [],
    stored: [],
    deferred: [],
  };
  for (const d of plan.failed) {
    if (storedGuids.has(d.guid)) plan.stored.push(d);
    else if (redeliveredGuids.has(d.guid)) plan.stillFailing.push(d);
    else if (plan.redeliver.length < max) plan.redeliver.push(d);
    else plan.deferred.push(d);
  }
  return plan;
}
