import type { Options } from 'amqplib';

/**
 * The nodes of an AMQP_URL: one URL, or several separated by commas (each a full
 * amqp:// or amqps:// URL: the nodes of one cluster, tried in turn).
 */
export function amqpUrlsOf(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The first node's URL, for one-off connections (a CLI command, a test's clean-up). */
export function firstAmqpUrl(value: string): string {
  return amqpUrlsOf(value)[0] ?? value;
}

/**
 * amqplib's connect options for a list of nodes, as one object whose fields are those of the
 * current node: amqplib's recovery reads them on every attempt, so `next()` (called on a
 * failed connect and on a lost connection) makes the next attempt go to the next node.
 */
export class AmqpNodes {
  private index = 0;
  private readonly nodes: Options.Connect[];

  constructor(
    readonly urls: string[],
    heartbeatSeconds: number,
  ) {
    if (urls.length === 0) throw new Error('AMQP_URL names no node');
    this.nodes = urls.map((url) => toConnectOptions(url, heartbeatSeconds));
  }

  /** The URL connected to, or tried, now. */
  get current(): string {
    return this.urls[this.index]!;
  }

  next(): void {
    this.index = (this.index + 1) % this.nodes.length;
  }

  /** For amqplib's connect: a live view of the current node. */
  options(): Options.Connect {
    const node = () => this.nodes[this.index]!;
    const view = {} as Options.Connect;
    for (const key of Object.keys(this.nodes[0]!) as (keyof Options.Connect)[]) {
      Object.defineProperty(view, key, { enumerable: true, get: () => node()[key] });
    }
    return view;
  }
}

function toConnectOptions(url: string, heartbeatSeconds: number): Options.Connect {
  const u = new URL(url);
  const q = u.searchParams;
  const num = (name: string) => (q.has(name) ? Number(q.get(name)) : undefined);
  return {
    protocol: u.protocol.replace(/:$/, ''),
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : u.protocol === 'amqps:' ? 5671 : 5672,
    // amqplib's defaults (guest/guest) only when the URL names neither.
    username: u.username === '' && u.password === '' ? 'guest' : decodeURIComponent(u.username),
    password: u.username === '' && u.password === '' ? 'guest' : decodeURIComponent(u.password),
    // Still escaped, as in the URL: amqplib unescapes it (%2f is the vhost /).
    vhost: u.pathname.length > 1 ? u.pathname.slice(1) : '/',
    heartbeat: num('heartbeat') ?? heartbeatSeconds,
    frameMax: num('frameMax'),
    channelMax: num('channelMax'),
    locale: q.get('locale') ?? undefined,
  };
}
