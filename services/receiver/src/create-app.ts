import express, { type ErrorRequestHandler, type Express, type Request } from 'express';
import type { Logger } from '@solstice/shared';
import type { EventStore } from './adapters/redis-event-store.js';
import type { Outcome, ReceiverMetrics } from './receiver-metrics.js';
import { receiveWebhook, type DeliveryNote, type ReceiveDeps } from './receive-webhook.js';

export interface AppOptions {
  webhookPath: string;
  /** Largest body in bytes; a larger one is answered 413 without being read. */
  bodyLimit: number;
  webhook: Omit<ReceiveDeps, 'store'>;
  store: EventStore;
  metrics: ReceiverMetrics;
  /** The prom-client registry behind GET /metrics. */
  registry: { metrics(): Promise<string>; contentType: string };
  log: Logger;
}

const OUTCOME_BY_STATUS: Record<number, Outcome> = {
  400: 'bad_request',
  401: 'unauthorized',
  413: 'too_large',
  415: 'unsupported',
  503: 'unavailable',
};

/** The receiver's HTTP edge: POST <webhookPath>, /healthz, /readyz, /metrics. */
export function createApp(o: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const deps: ReceiveDeps = { ...o.webhook, store: o.store };

  // inflate: false: GitHub never compresses, and the signature covers the bytes as sent.
  const rawBody = express.raw({ type: () => true, limit: o.bodyLimit, inflate: false });
  app.post(o.webhookPath, startNote, rawBody, async (req, res) => {
    const note = res.locals.note as DeliveryNote;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = (name: string) => req.get(name);
    const result = await receiveWebhook({ header, body }, deps, note);
    logDelivery(o, note, result.outcome, result.status);
    if (result.body === undefined) res.status(result.status).end();
    else res.status(result.status).json(result.body);
  });
  app.all(o.webhookPath, (_req, res) => {
    res.set('allow', 'POST').status(405).json({ error: 'use POST' });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await o.store.ping();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'redis unreachable' });
  });
  app.get('/metrics', async (_req, res) => {
    const text = await o.registry.metrics();
    res.type(o.registry.contentType).send(text);
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(o));
  return app;
}

const startNote: express.RequestHandler = (_req, res, next) => {
  res.locals.note = { verified: false } satisfies DeliveryNote;
  next();
};

/** The one place a status set deep down (err.status) becomes a response. */
function errorHandler(o: AppOptions): ErrorRequestHandler {
  return (err: { status?: unknown; statusCode?: unknown; message?: string }, req, res, _next) => {
    const raw = Number(err.status ?? err.statusCode);
    const status = raw >= 400 && raw <= 599 ? raw : 500;
    const message = status === 500 ? 'internal error' : (err.message ?? 'request failed');
    const note = res.locals.note as DeliveryNote | undefined;
    if (note !== undefined) {
      if (status === 401) o.metrics.signatureFailures.inc();
      logDelivery(o, noteFrom(note, req), OUTCOME_BY_STATUS[status] ?? 'error', status, err);
    } else if (status >= 500) {
      o.log.error({ err, path: req.path }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(status).json({ error: message });
  };
}

/** A body-parser error comes before receiveWebhook read the headers. */
function noteFrom(note: DeliveryNote, req: Request): DeliveryNote {
  note.delivery ??= req.get('x-github-delivery');
  note.event ??= req.get('x-github-event');
  return note;
}

/** One line per delivery; never the secret, the signature or the body. */
function logDelivery(
  o: AppOptions,
  note: DeliveryNote,
  outcome: Outcome,
  status: number,
  err?: unknown,
): void {
  // Before the signature is checked the event name is the sender's claim: keep it off labels.
  o.metrics.received.inc({ event: note.verified ? (note.event ?? 'none') : 'unverified', outcome });
  const line = {
    delivery: note.delivery,
    event: note.event,
    action: note.action,
    outcome,
    status,
    reason: note.reason,
  };
  if (status >= 500) o.log.error({ ...line, err: causeOf(err) }, 'webhook not stored');
  else if (status === 401) o.log.warn(line, 'webhook refused: signature missing or wrong');
  else if (status >= 400)
    o.log.info({ ...line, reason: note.reason ?? (err as Error).message }, 'webhook refused');
  else o.log.info(line, 'webhook received');
}

function causeOf(err: unknown): unknown {
  return err instanceof Error && err.cause !== undefined ? err.cause : err;
}
