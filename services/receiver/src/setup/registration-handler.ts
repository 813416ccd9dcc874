import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppRegistration, Logger } from '@solstice/shared';
import { manifestFor, type AppManifest } from './app-manifest.js';
import { escapeHtml, registrationPage } from './registration-page.js';
import type { StateStore } from './state-store.js';

/** Where GitHub sends the browser back with the code (the manifest's redirect_url). */
export const CALLBACK_PATH = '/setup/callback';
const COOKIE = 'solstice_setup_state';
const ORG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export interface RegistrationOptions {
  /** app.yml. */
  manifest: AppManifest;
  /** GITHUB_WEB_URL. */
  githubWebUrl: string;
  /** The App's webhook URL; undefined: this page's own address + webhookPath. */
  webhookUrl: string | undefined;
  webhookPath: string;
  states: StateStore;
  /** POST /app-manifests/{code}/conversions (exchangeManifestCode). */
  exchange: (code: string) => Promise<AppRegistration>;
  /** Stores the credentials (writeCredentials); an error with a `status` is shown with it. */
  save: (app: AppRegistration) => Promise<void>;
  log: Logger;
}

/** Serves a request if it is one of the registration's (true), else leaves it (false). */
export type RegistrationHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * GitHub's App-manifest flow, served by the receiver while it has no App and by `solstice app
 * create`: `GET /` shows the page whose form posts app.yml to GitHub with a `state`; GitHub
 * sends the browser to `GET /setup/callback?code&state`, where the state must be the one this
 * browser was given (a cookie) and unused, and the code is converted into the App's
 * credentials, stored, and the browser sent on to install the App.
 * https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 */
export function createRegistrationHandler(o: RegistrationOptions): RegistrationHandler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://setup.invalid');
    if (url.pathname === '/') await showPage(o, req, res, url);
    else if (url.pathname === CALLBACK_PATH) await finish(o, req, res, url);
    else return false;
    return true;
  };
}

async function showPage(
  o: RegistrationOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const origin = originOf(req);
  if (origin === undefined) return message(res, 400, 'The request has no usable Host header.');
  const asked = url.searchParams.get('org')?.trim() || undefined;
  const org = asked !== undefined && ORG_NAME.test(asked) ? asked : undefined;
  const given = cookieOf(req);
  const state =
    given !== undefined && (await o.states.has(given)) ? given : await o.states.create();
  const newApp = org
    ? `${o.githubWebUrl}/organizations/${encodeURIComponent(org)}/settings/apps/new`
    : `${o.githubWebUrl}/settings/apps/new`;
  const manifest = manifestFor(o.manifest, {
    webhookUrl: o.webhookUrl ?? `${origin}${o.webhookPath}`,
    redirectUrl: `${origin}${CALLBACK_PATH}`,
  });
  const html = registrationPage({
    manifest,
    action: `${newApp}?state=${encodeURIComponent(state)}`,
    org,
    orgProblem:
      asked !== undefined && org === undefined
        ? `'${asked}' is not an organisation name`
        : undefined,
  });
  res.setHeader('set-cookie', `${COOKIE}=${state}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600`);
  send(res, 200, html, new URL(o.githubWebUrl).origin);
}

async function finish(
  o: RegistrationOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const state = url.searchParams.get('state') ?? '';
  const code = url.searchParams.get('code') ?? '';
  if (state === '' || state !== cookieOf(req) || !(await o.states.consume(state))) {
    o.log.warn(
      'App registration refused: its state was not handed out to this browser, or was used',
    );
    return message(
      res,
      403,
      'This registration was not started from this page in this browser, or was finished already. Start again at /.',
    );
  }
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(code))
    return message(res, 400, 'GitHub sent no code back. Start again at /.');
  let app: AppRegistration;
  try {
    app = await o.exchange(code);
    await o.save(app);
  } catch (err) {
    const status = (err as { status?: number }).status ?? 500;
    o.log.error({ err }, 'App registration failed');
    return message(res, status, `The App could not be registered: ${(err as Error).message}`);
  }
  o.log.info(
    { appId: app.id, slug: app.slug, owner: app.owner, htmlUrl: app.htmlUrl },
    'GitHub App registered; its credentials are stored',
  );
  res.setHeader('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
  res.writeHead(302, { location: `${app.htmlUrl}/installations/new` }).end();
}

function originOf(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (host === undefined || !HOST.test(host)) return undefined;
  // Behind a TLS proxy or tunnel the browser came over https.
  const https = req.headers['x-forwarded-proto'] === 'https';
  return `${https ? 'https' : 'http'}://${host}`;
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === COOKIE && value) return value;
  }
  return undefined;
}

function message(res: ServerResponse, status: number, text: string): void {
  send(
    res,
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Solstice CI setup</title></head>` +
      `<body><p>${escapeHtml(text)}</p><p><a href="/">Back</a></p></body></html>\n`,
  );
}

function send(res: ServerResponse, status: number, html: string, formTarget = ''): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; " +
      `form-action 'self' ${formTarget}`.trim(),
  });
  res.end(html);
}
