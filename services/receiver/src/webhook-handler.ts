import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@solstice/shared';
import type { EventStore } from './adapters/redis-event-store.js';
import type { BodyBudget } from './body-budget.js';
import { EarlyRefusal } from './early-refusal.js';
import { answerError, sendJson, statusOf } from './http-answer.js';
import { logDelivery, outcomeFor } from './log-delivery.js';
import { readBody } from './read-body.js';
import { receiveWebhook, type DeliveryNote, type ReceiveDeps } from './receive-webhook.js';
import type { ReceiverMetrics } from './receiver-metrics.js';
import { refuseBeforeBody } from './refuse-before-body.js';
import { startSignatureCheck } from './verify-signature.js';

export interface WebhookHandlerOptions {
  /** Largest body in bytes; a larger one is answered 413. */
  bodyLimit: number;
  /** MAX_BUFFERED_BYTES across every request in flight; past it, 503. */
  budget: BodyBudget;
  /** Retry-After of that 503, in seconds. */
  retryAfterSeconds: number;
  webhook: Omit<ReceiveDeps, 'store'>;
  store: EventStore;
  metrics: ReceiverMetrics;
  log: Logger;
}

/**
 * POST <WEBHOOK_PATH> as a plain node handler: the same steps express would run, without
 * express's per-request work (its router and req/res prototype swap), which cost CPU on every
 * delivery. The figures, measured with `npm run bench:receiver`, are in CHANGELOG.md.
 * What the headers alone can refuse is refused before the body is read; the body is then
 * taken from the budget, hashed as it streams in, and handed to receiveWebhook.
 */
export function createWebhookHandler(
  o: WebhookHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const deps: ReceiveDeps = { ...o.webhook, store: o.store };
  return (req, res) => {
    const note: DeliveryNote = { verified: false };
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const refused = (err: unknown) => {
      // A refusal before receiveWebhook read the headers (413, 415) still names the delivery.
      note.delivery ??= header('x-github-delivery');
      note.event ??= header('x-github-event');
      const status = statusOf(err);
      let outcome = outcomeFor(status);
      if (err instanceof EarlyRefusal) {
        note.reason ??= err.details.reason;
        outcome = err.details.outcome ?? outcome;
      }
      logDelivery(o, note, outcome, status, err);
      answerError(res, err);
    };

    const early = refuseBeforeBody(header, { bodyLimit: o.bodyLimit, secrets: deps.secrets });
    if (early !== undefined) {
      refused(early);
      return;
    }
    const hold = o.budget.hold();
    res.once('close', hold.release);
    const signature = startSignatureCheck(deps.secrets, header('x-hub-signature-256'));
    readBody(req, {
      limit: o.bodyLimit,
      hold,
      onChunk: signature.update,
      retryAfterSeconds: o.retryAfterSeconds,
    })
      .then((body) =>
        receiveWebhook({ header, body, signatureValid: signature.valid() }, deps, note),
      )
      .then((result) => {
        logDelivery(o, note, result.outcome, result.status);
        sendJson(res, result.status, result.body);
      }, refused);
  };
}
