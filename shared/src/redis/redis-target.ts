/** One Redis server (`redis://`, `rediss://`), or a primary found through Sentinel. */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'sentinel';
      sentinels: { host: string; port: number }[];
      /** The master name the sentinels monitor (`sentinel monitor <name> …`). */
      name: string;
      db: number;
      username: string | undefined;
      password: string | undefined;
      /** Sentinels that require AUTH: `?sentinelPassword=` (else they are asked without). */
      sentinelPassword: string | undefined;
      tls: boolean;
    };

export const SENTINEL_PROTOCOLS = ['redis+sentinel:', 'rediss+sentinel:'];
export const REDIS_PROTOCOLS = ['redis:', 'rediss:', ...SENTINEL_PROTOCOLS];

const EXAMPLE = 'redis+sentinel://[user:pass@]host1:26379,host2:26379/<master-name>[?db=N]';

/**
 * Reads a REDIS_URL. `redis+sentinel://` (or `rediss+sentinel://`, TLS to every node) lists
 * sentinels, comma-separated, and names the master in the path; the credentials are the data
 * nodes'. Throws an Error whose message completes "REDIS_URL: …".
 */
export function parseRedisTarget(value: string): RedisTarget {
  const scheme = /^([a-z+]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') {
    new URL(value);
    return { kind: 'server', url: value };
  }
  if (scheme !== 'redis+sentinel' && scheme !== 'rediss+sentinel')
    throw new Error(`expected a URL starting ${REDIS_PROTOCOLS.join(' or ')}`);
  const rest = value.slice(scheme.length + 3);
  const at = rest.lastIndexOf('@', rest.search(/[/?]|$/));
  const auth = at >= 0 ? rest.slice(0, at) : undefined;
  const afterAuth = at >= 0 ? rest.slice(at + 1) : rest;
  const m = /^([^/?]*)\/([^/?]+)\/?(?:\?(.*))?$/.exec(afterAuth);
  if (!m) throw new Error(`expected ${EXAMPLE} (the master name is missing)`);
  const sentinels = m[1]!.split(',').map((hostPort) => parseHostPort(hostPort.trim()));
  const query = new URLSearchParams(m[3] ?? '');
  let db = 0;
  for (const key of query.keys()) {
    if (key !== 'db' && key !== 'sentinelPassword')
      throw new Error(`unknown parameter '${key}' (db and sentinelPassword are known)`);
  }
  const dbText = query.get('db');
  if (dbText !== null) {
    if (!/^\d{1,5}$/.test(dbText)) throw new Error(`db: expected a whole number, got '${dbText}'`);
    db = Number(dbText);
  }
  const [user, pass] = splitAuth(auth);
  return {
    kind: 'sentinel',
    sentinels,
    name: decodeURIComponent(m[2]!),
    db,
    username: user,
    password: pass,
    sentinelPassword: query.get('sentinelPassword') ?? undefined,
    tls: scheme === 'rediss+sentinel',
  };
}

function parseHostPort(hostPort: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(hostPort);
  const port = m?.[2] === undefined ? 26379 : Number(m[2]);
  if (!m || port < 1 || port > 65535)
    throw new Error(`expected ${EXAMPLE} (bad sentinel address '${hostPort}')`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function splitAuth(auth: string | undefined): [string | undefined, string | undefined] {
  if (auth === undefined || auth === '') return [undefined, undefined];
  const colon = auth.indexOf(':');
  const user = colon >= 0 ? auth.slice(0, colon) : auth;
  const pass = colon >= 0 ? auth.slice(colon + 1) : undefined;
  return [user === '' ? undefined : decodeURIComponent(user), pass && decodeURIComponent(pass)];
}
