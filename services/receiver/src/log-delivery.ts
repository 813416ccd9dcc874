import type { Logger } from '@solstice/shared';
import type { DeliveryNote } from './receive-webhook.js';
import type { Outcome, ReceiverMetrics } from './receiver-metrics.js';

const OUTCOME_BY_STATUS: Record<number, Outcome> = {
  400: 'bad_request',
  401: 'unauthorized',
  413: 'too_large',
  415: 'unsupported',
  503: 'unavailable',
};

/** The outcome label of a refused delivery. */
export const outcomeFor = (status: number): Outcome => OUTCOME_BY_STATUS[status] ?? 'error';

/**
 * Counts a delivery and writes its one log line; never the secret, the signature or the body.
 * `err` is the refusal, when there was one.
 */
export function logDelivery(
  o: { log: Logger; metrics: ReceiverMetrics },
  note: DeliveryNote,
  outcome: Outcome,
  status: number,
  err?: unknown,
): void {
  // Before the signature is checked the event name is the sender's claim: keep it off labels.
  o.metrics.received.inc({ event: note.verified ? (note.event ?? 'none') : 'unverified', outcome });
  if (status === 401) o.metrics.signatureFailures.inc();
  const line = {
    delivery: note.delivery,
    ...(note.deliveryGenerated ? { deliveryGenerated: true } : {}),
    event: note.event,
    action: note.action,
    outcome,
    status,
    reason: note.reason,
  };
  if (outcome === 'overloaded') {
    o.log.warn(line, 'webhook refused: MAX_BUFFERED_BYTES of bodies already in flight');
  } else if (status >= 500) {
    const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
    o.log.error({ ...line, err: cause }, 'webhook not stored');
  } else if (status === 401) {
    o.log.warn(line, 'webhook refused: signature missing or wrong');
  } else if (status >= 400) {
    o.log.info({ ...line, reason: note.reason ?? (err as Error).message }, 'webhook refused');
  } else {
    o.log.info(line, 'webhook received');
  }
}
