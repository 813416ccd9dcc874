import type { RequestListener } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import { createAllowlist } from './allowlist.js';
import type { ReceiverConfig } from './config.js';
import { answerError, statusOf } from './http-answer.js';
import { createWebhookHandler, type WebhookHandlerOptions } from './webhook-handler.js';

export interface AppOptions extends Omit<
  WebhookHandlerOptions,
  'webhook' | 'retryAfterSeconds' | 'bodyLimit'
> {
  config: ReceiverConfig;
  now: () => Date;
}

/**
 * The receiver's public HTTP edge: POST <webhookPath> goes straight to the webhook handler (the
 * hot path); express serves /healthz and /readyz (for probes that can only reach this port) and
 * answers everything else. /metrics is served on METRICS_ADDR only, off the public port.
 */
export function createApp(o: AppOptions): RequestListener {
  const { config } = o;
  const webhook = createWebhookHandler({
    ...o,
    bodyLimit: config.bodyLimit,
    // A held body is given back at the latest when REQUEST_TIMEOUT_MS cuts its request.
    retryAfterSeconds: Math.ceil(config.limits.requestTimeoutMs / 1000),
    webhook: {
      secrets: config.webhookSecrets,
      checkSuiteRequested: config.checkSuiteRequested,
      allowed: createAllowlist({ repos: config.allowedRepos, owners: config.allowedOwners }),
      now: o.now,
    },
  });
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Exact paths, so only the dispatcher below ever takes a POST to the webhook path.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.all(config.webhookPath, (_req, res) => {
    res.set('allow', 'POST').status(405).json({ error: 'use POST' });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await o.store.ping();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'redis unreachable' });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(((err, req, res, _next) => {
    if (statusOf(err) === 500) o.log.error({ err, path: req.path }, 'request failed');
    answerError(res, err);
  }) satisfies ErrorRequestHandler);

  return (req, res) => {
    if (req.method === 'POST' && pathOf(req.url) === config.webhookPath) webhook(req, res);
    else app(req, res);
  };
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q === -1 ? (url ?? '/') : url!.slice(0, q);
}
