import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@solstice/shared';
import type { EventStore } from './adapters/redis-event-store.js';
import { answerError, sendJson, statusOf } from './http-answer.js';
import { logDelivery, outcomeFor } from './log-delivery.js';
import { readRawBody } from './read-raw-body.js';
import { receiveWebhook, type DeliveryNote, type ReceiveDeps } from './receive-webhook.js';
import type { ReceiverMetrics } from './receiver-metrics.js';

export interface WebhookHandlerOptions {
  /** Largest body in bytes; a larger one is answered 413. */
  bodyLimit: number;
  webhook: Omit<ReceiveDeps, 'store'>;
  store: EventStore;
  metrics: ReceiverMetrics;
  log: Logger;
}

/**
 * POST <WEBHOOK_PATH> as a plain node handler: the same steps express would run, without
 * express's per-request work (its router and req/res prototype swap), which cost CPU on every
 * delivery. The figures, measured with `npm run bench:receiver`, are in CHANGELOG.md.
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
    readRawBody(req, o.bodyLimit)
      .then((body) => receiveWebhook({ header, body }, deps, note))
      .then(
        (result) => {
          logDelivery(o, note, result.outcome, result.status);
          sendJson(res, result.status, result.body);
        },
        (err: unknown) => {
          // A refusal before receiveWebhook read the headers (413, 415) still names the delivery.
          note.delivery ??= header('x-github-delivery');
          note.event ??= header('x-github-event');
          const status = statusOf(err);
          logDelivery(o, note, outcomeFor(status), status, err);
          answerError(res, err);
        },
      );
  };
}
