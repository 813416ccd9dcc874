import type { IncomingMessage, RequestListener } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import { createAllowlist } from './allowlist.js';
import type { ReceiverConfig } from './config.js';
import { EarlyRefusal } from './early-refusal.js';
import { answerError, statusOf } from './http-answer.js';
import { refuseBeforeBody } from './refuse-before-body.js';
import type { RegistrationHandler } from './setup/registration-handler.js';
import { createWebhookHandler, type WebhookHandlerOptions } from './webhook-handler.js';

export interface AppOptions extends Omit<
  WebhookHandlerOptions,
  'webhook' | 'retryAfterSeconds' | 'bodyLimit'
> {
  config: ReceiverConfig;
  now: () => Date;
  /** First run (receiverSetup): webhooks refused with this reason, and the App registration. */
  setup?: { refuse?: string; register?: RegistrationHandler };
}

/**
 * The receiver's public HTTP edge: POST <webhookPath> goes straight to the webhook handler (the
 * hot path); express serves /healthz and /readyz (for probes that can only reach this port),
 * the App registration while it is offered, and answers everything else. /metrics is served on
 * METRICS_ADDR only, off the public port. In the setup state webhooks get 503 before their body
 * is read (GitHub shows the delivery failed, and it can be redelivered) and /readyz 503, while
 * /healthz stays 200 so that compose or Kubernetes leave the process up.
 */
export function createApp(o: AppOptions): RequestListener {
  const { config } = o;
  const refuse = o.setup?.refuse;
  const register = o.setup?.register;
  const webhook: RequestListener =
    refuse === undefined
      ? createWebhookHandler({
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
        })
      : (_req, res) =>
          answerError(res, new EarlyRefusal(503, refuse, { headers: { 'retry-after': '60' } }));
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
    if (refuse !== undefined) return void res.status(503).json({ status: 'setup', reason: refuse });
    const ready = await o.store.ping();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'redis unreachable' });
  });
  if (register) {
    app.use((req, res, next) => {
      register(req, res).then((served) => {
        if (!served) next();
      }, next);
    });
  }
  // Once configured, the registration page is gone: never a secret, only what state it is in.
  const state =
    refuse ??
    (config.webhookSecrets.length > 0 ? 'configured' : 'dev mode, signatures not checked');
  app.get('/', (_req, res) => {
    res
      .status(refuse === undefined ? 200 : 503)
      .type('text/plain')
      .send(`Solstice receiver: ${state}.\nWebhooks: POST ${config.webhookPath}\n`);
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(((err, req, res, _next) => {
    if (statusOf(err) === 500) o.log.error({ err, path: req.path }, 'request failed');
    answerError(res, err);
  }) satisfies ErrorRequestHandler);

  // No route but the webhook's reads a body; what the headers alone can refuse (a body over
  // BODY_LIMIT, a compressed one) is refused before any route runs, with Connection: close.
  const early = { bodyLimit: config.bodyLimit, secrets: [] };
  return (req, res) => {
    if (req.method === 'POST' && pathOf(req.url) === config.webhookPath) return webhook(req, res);
    const refused = refuseBeforeBody(headerOf(req), early);
    if (refused !== undefined) answerError(res, refused);
    else app(req, res);
  };
}

function headerOf(req: IncomingMessage): (name: string) => string | undefined {
  return (name) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q === -1 ? (url ?? '/') : url!.slice(0, q);
}
