import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in answered: the call log tests count API calls with. */
export interface CallRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
  auth: 'jwt' | 'token' | 'none';
  installationId?: number;
  /** When the request came (ms since the epoch). */
  at: number;
  /** When the answer was sent. */
  doneAt?: number;
}

/** A write as GitHub would pace it: method, path, the installation that made it, when. */
export interface WriteRecord {
  method: string;
  path: string;
  installationId: number | undefined;
  status: number;
  at: number;
  doneAt: number | undefined;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export interface Installation {
  id: number;
  account: string;
  /** owner/repo names this installation may touch (empty: all). */
  repos: string[];
}

export interface RouteContext {
  standIn: GitHubStandIn;
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  auth: CallRecord['auth'];
  installationId?: number;
  /** The App the caller authenticated as (its JWT, or the App that minted its token). */
  appId: number;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (ctx: RouteContext) => RouteResult | Promise<RouteResult>;

export interface Route {
  method: string;
  /** `/repos/:owner/:repo/contents/*path` style: `:name` is one segment, `*name` the rest. */
  pattern: string;
  /** Who may call it: the App's JWT, an installation token, either, or anyone (the stand-in's own admin routes). */
  auth: 'jwt' | 'token' | 'any' | 'none';
  handle: RouteHandler;
}

interface Fault {
  method?: string;
  path: RegExp;
  remaining: number;
  result: RouteResult;
  /** Do the call, then answer `result` anyway: GitHub did the write but the answer was lost. */
  afterHandling: boolean;
  /** Hold the answer until this settles (a call GitHub is slow to answer). */
  hold?: Promise<unknown>;
  /** Answer what the route answered (after `hold`), not `result`. */
  passThrough?: boolean;
}

export interface StandInOptions {
  /** The App the stand-in knows from the start (more register through the manifest flow). */
  appId: number;
  /** The App's private key (PEM) or its public key: JWTs are checked against it. */
  key: string | KeyObject;
  tokenTtlMs?: number;
}

const compile = (pattern: string) =>
  new RegExp(
    '^' +
      pattern
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\/\*(\w+)/g, '/(?<$1>.+)')
        .replace(/:(\w+)/g, '(?<$1>[^/]+)') +
      '$',
  );

/**
 * A small HTTP server that speaks the parts of GitHub's REST API this project uses, for
 * tests and the demo: it checks App JWTs against the App's key, mints installation
 * tokens, logs every call and can be told to fail the next calls to a route.
 */
export class GitHubStandIn {
  readonly calls: CallRecord[] = [];
  readonly installations = new Map<number, Installation>();
  readonly tokens = new Map<string, { installationId: number; expiresAt: number; appId: number }>();
  private readonly routes: (Route & { re: RegExp })[] = [];
  private readonly faults: Fault[] = [];
  /** The public key of every App whose JWTs are accepted, by App id. */
  private readonly appKeys = new Map<number, KeyObject>();
  private server: Server | undefined;
  url = '';

  constructor(readonly options: StandInOptions) {
    this.appKeys.set(options.appId, createPublicKey(options.key));
  }

  /** Accepts the JWTs of one more App (one registered from a manifest). */
  registerApp(appId: number, key: string | KeyObject): this {
    this.appKeys.set(appId, createPublicKey(key));
    return this;
  }

  use(routes: Route[]): this {
    for (const r of routes) this.routes.push({ ...r, re: compile(r.pattern) });
    return this;
  }

  addInstallation(inst: Installation): this {
    this.installations.set(inst.id, inst);
    return this;
  }

  /**
   * The installation covering owner/repo: one that names the repository, else one on the
   * whole account, else one on account `*` (every owner). So one owner's repositories can be
   * spread over many installations (benches with many installations).
   */
  installationFor(owner: string, repo: string): Installation | undefined {
    const full = `${owner}/${repo}`.toLowerCase();
    const all = [...this.installations.values()];
    return (
      all.find((i) => i.repos.some((r) => r.toLowerCase() === full)) ??
      all.find((i) => i.repos.length === 0 && i.account.toLowerCase() === owner.toLowerCase()) ??
      all.find((i) => i.account === '*')
    );
  }

  mintToken(
    installationId: number,
    appId = this.options.appId,
  ): { token: string; expires_at: string } {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expiresAt = Date.now() + (this.options.tokenTtlMs ?? 3600_000);
    this.tokens.set(token, { installationId, expiresAt, appId });
    return { token, expires_at: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, 'Z') };
  }

  /**
   * Answers the next `times` calls matching `path` (and `method`) with `result` instead;
   * with `afterHandling`, the call is carried out first (a write that happened, answered 5xx).
   */
  fail(
    match: { method?: string; path: RegExp },
    result: RouteResult,
    times = 1,
    opts: { afterHandling?: boolean; hold?: Promise<unknown> } = {},
  ): this {
    this.faults.push({
      ...match,
      remaining: times,
      result,
      afterHandling: opts.afterHandling ?? false,
      ...(opts.hold ? { hold: opts.hold } : {}),
    });
    return this;
  }

  /**
   * Carries out the next `times` calls matching `path` (and `method`) at once but holds their
   * answers until `until` settles: GitHub did the write and is slow to say so.
   */
  hold(match: { method?: string; path: RegExp }, until: Promise<unknown>, times = 1): this {
    this.faults.push({
      ...match,
      remaining: times,
      result: { status: 500 },
      afterHandling: true,
      hold: until,
      passThrough: true,
    });
    return this;
  }

  /** Forgets every failure still to come (GitHub is back). */
  clearFaults(): this {
    this.faults.length = 0;
    return this;
  }

  /**
   * Every write made with an installation token (POST, PATCH, PUT, DELETE), in the order they
   * came: what GitHub's "one write at a time, a second apart, per installation" is about.
   */
  writes(installationId?: number): WriteRecord[] {
    return this.calls
      .filter((c) => WRITE_METHODS.has(c.method) && c.auth === 'token')
      .filter((c) => installationId === undefined || c.installationId === installationId)
      .map((c) => ({
        method: c.method,
        path: c.path,
        installationId: c.installationId,
        status: c.status,
        at: c.at,
        doneAt: c.doneAt,
      }));
  }

  /** Calls whose `METHOD path` matches. */
  callsTo(method: string, path: RegExp): CallRecord[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      this.dispatch(req, res).catch((err) => send(res, 500, { message: String(err) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const addr = this.server.address() as AddressInfo;
    this.url = `http://${host}:${addr.port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://github.test');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const record: CallRecord = {
      method,
      path,
      query: url.searchParams,
      status: 0,
      auth: 'none',
      at: Date.now(),
    };
    this.calls.push(record);
    const reply = (r: RouteResult) => {
      record.status = r.status;
      send(res, r.status, r.body, r.headers);
      record.doneAt = Date.now();
    };

    const body = await readBody(req);
    const auth = this.authenticate(req.headers.authorization);
    record.auth = auth.kind;
    record.installationId = auth.installationId;

    const fault = this.faults.find(
      (f) => f.remaining > 0 && f.path.test(path) && (!f.method || f.method === method),
    );
    if (fault) {
      fault.remaining--;
      if (!fault.afterHandling) {
        await fault.hold;
        return reply(fault.result);
      }
    }
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.re.exec(path);
      if (!m) continue;
      const allowed =
        route.auth === 'none' ||
        (auth.kind !== 'none' && (route.auth === 'any' || route.auth === auth.kind));
      if (!allowed) {
        return reply({
          status: 401,
          body: {
            message:
              auth.error ??
              `This endpoint requires ${route.auth === 'jwt' ? 'a JWT' : 'an installation token'}`,
            documentation_url: 'https://docs.github.com/rest',
          },
        });
      }
      const params = Object.fromEntries(
        Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
      const handled = await route.handle({
        standIn: this,
        req,
        params,
        query: url.searchParams,
        body,
        auth: auth.kind,
        installationId: auth.installationId,
        appId: auth.appId ?? this.options.appId,
      });
      if (fault?.afterHandling) {
        await fault.hold;
        return reply(fault.passThrough ? handled : fault.result);
      }
      return reply(handled);
    }
    reply({
      status: 404,
      body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
    });
  }

  private authenticate(header: string | undefined): {
    kind: CallRecord['auth'];
    installationId?: number;
    appId?: number;
    error?: string;
  } {
    if (!header) return { kind: 'none', error: 'Requires authentication' };
    const [scheme, value = ''] = header.split(' ');
    if (!/^(bearer|token)$/i.test(scheme ?? '')) return { kind: 'none', error: 'Bad credentials' };
    const token = this.tokens.get(value);
    if (token) {
      if (token.expiresAt < Date.now())
        return { kind: 'none', error: 'Bad credentials (token expired)' };
      return { kind: 'token', installationId: token.installationId, appId: token.appId };
    }
    const checked = this.checkJwt(value);
    return typeof checked === 'string'
      ? { kind: 'none', error: checked }
      : { kind: 'jwt', appId: checked.appId };
  }

  /** RS256 JWT signed by a known App's key, iss = that App's id, not expired: else the reason. */
  private checkJwt(jwt: string): string | { appId: number } {
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'Bad credentials';
    const [h, p, s] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
      if (header.alg !== 'RS256')
        return 'A JSON web token could not be decoded (alg must be RS256)';
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
        iss?: unknown;
        exp?: number;
        iat?: number;
      };
      const appId = Number(claims.iss);
      const key = this.appKeys.get(appId);
      if (key === undefined) return `'Issuer' claim ('iss') must be ${this.options.appId}`;
      const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
      if (!ok)
        return 'A JSON web token could not be decoded (signature does not match the App key)';
      const now = Math.floor(Date.now() / 1000);
      if (!claims.exp || claims.exp < now)
        return "'Expiration time' claim ('exp') is too far in the past";
      if (claims.exp - (claims.iat ?? now) > 600 + 60)
        return "'Expiration time' claim ('exp') is too far in the future";
      return { appId };
    } catch {
      return 'A JSON web token could not be decoded';
    }
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-resource': 'core',
    'x-github-request-id': randomBytes(8).toString('hex'),
    ...headers,
  });
  res.end(text);
}

/** The request body: JSON, or a form (GitHub's "new App" page takes the manifest as one). */
async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 10 * 1024 * 1024) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
