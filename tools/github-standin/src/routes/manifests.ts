import { randomBytes } from 'node:crypto';
import type { Route, RouteContext, RouteResult } from '../server.js';
import { generateAppKey } from '../test-app-key.js';

/** An App registered through the stand-in's manifest flow, with its secrets (tests read them). */
export interface RegisteredApp {
  id: number;
  slug: string;
  name: string;
  owner: { login: string; id: number; type: 'User' | 'Organization' };
  htmlUrl: string;
  pem: string;
  webhookSecret: string;
  clientId: string;
  manifest: Manifest;
}

interface Manifest {
  name?: string;
  url?: string;
  description?: string;
  redirect_url?: string;
  hook_attributes?: { url?: string };
  default_permissions?: Record<string, string>;
  default_events?: string[];
}

interface Pending {
  manifest: Manifest;
  org: string | undefined;
  webBase: string;
  expiresAt: number;
}

// GitHub wants the three steps of the manifest flow done within one hour.
const CODE_TTL_MS = 3600_000;
const notFound: RouteResult = {
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
};

/**
 * GitHub's App-manifest flow, enough to test it end to end: the "new App" page takes the
 * manifest and (without the page where a person names the App and confirms) sends the browser
 * straight back to the manifest's redirect_url with a one-time code and the state; the code
 * converts, once, into a new App whose JWTs the stand-in accepts from then on.
 * https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 */
export class AppManifests {
  readonly apps: RegisteredApp[] = [];
  private readonly pending = new Map<string, Pending>();
  private nextId = 900_001;

  /** The App registered last. */
  latest(): RegisteredApp | undefined {
    return this.apps[this.apps.length - 1];
  }

  routes(): Route[] {
    const newApp = (ctx: RouteContext) => this.take(ctx);
    return [
      { method: 'POST', pattern: '/settings/apps/new', auth: 'none', handle: newApp },
      {
        method: 'POST',
        pattern: '/organizations/:org/settings/apps/new',
        auth: 'none',
        handle: newApp,
      },
      {
        method: 'POST',
        pattern: '/app-manifests/:code/conversions',
        auth: 'none',
        handle: (ctx) => this.convert(ctx),
      },
      {
        method: 'GET',
        pattern: '/apps/:slug/installations/new',
        auth: 'none',
        handle: ({ params }) => ({
          status: 200,
          body: {
            message: `${params.slug}: the stand-in counts every App as installed everywhere`,
          },
        }),
      },
    ];
  }

  private take(ctx: RouteContext): RouteResult {
    const text = (ctx.body as { manifest?: unknown } | undefined)?.manifest;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(String(text)) as Manifest;
    } catch {
      return {
        status: 422,
        body: { message: 'manifest: a JSON-encoded App manifest is required' },
      };
    }
    if (typeof manifest.url !== 'string' || typeof manifest.redirect_url !== 'string')
      return { status: 422, body: { message: 'manifest: url and redirect_url are required' } };
    const code = randomBytes(20).toString('hex');
    this.pending.set(code, {
      manifest,
      org: ctx.params.org,
      webBase: `http://${ctx.req.headers.host ?? '127.0.0.1'}`,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    const back = new URL(manifest.redirect_url);
    back.searchParams.set('code', code);
    const state = ctx.query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    return { status: 302, headers: { location: back.href } };
  }

  private convert(ctx: RouteContext): RouteResult {
    const pending = this.pending.get(ctx.params.code!);
    this.pending.delete(ctx.params.code!);
    if (!pending || pending.expiresAt < Date.now()) return notFound;
    const { manifest, org } = pending;
    const id = this.nextId++;
    const name = manifest.name ?? `app-${id}`;
    const base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'app';
    const slug = this.apps.some((a) => a.slug === base) ? `${base}-${id}` : base;
    const app: RegisteredApp = {
      id,
      slug,
      name,
      owner: org
        ? { login: org, id: 2, type: 'Organization' }
        : { login: 'octocat', id: 1, type: 'User' },
      htmlUrl: `${pending.webBase}/apps/${slug}`,
      pem: generateAppKey(),
      webhookSecret: randomBytes(20).toString('hex'),
      clientId: `Iv1.${randomBytes(8).toString('hex')}`,
      manifest,
    };
    this.apps.push(app);
    ctx.standIn.registerApp(id, app.pem);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      status: 201,
      body: {
        id,
        slug,
        node_id: Buffer.from(`App${id}`).toString('base64'),
        owner: app.owner,
        name,
        description: manifest.description ?? null,
        external_url: manifest.url,
        html_url: app.htmlUrl,
        created_at: now,
        updated_at: now,
        permissions: manifest.default_permissions ?? {},
        events: manifest.default_events ?? [],
        client_id: app.clientId,
        client_secret: randomBytes(20).toString('hex'),
        webhook_secret: app.webhookSecret,
        pem: app.pem,
      },
    };
  }
}
