import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { Logger } from '@solstice/shared';

/** The addresses a host name has now (Docker's DNS answers one per copy of a service). */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveAll: Resolve = async (host) =>
  (await lookup(host, { all: true })).map((a) => a.address);

/**
 * The order in which to try the addresses for the next connection: round robin, starting one
 * further each time, then the others in turn (a copy that refuses is skipped).
 */
export function rotation(addresses: string[], turn: number): string[] {
  const sorted = [...new Set(addresses)].sort();
  if (sorted.length === 0) return [];
  const start = turn % sorted.length;
  return [...sorted.slice(start), ...sorted.slice(0, start)];
}

export interface BalancerOptions {
  /** host:port of the copies; the host is resolved again for every connection. */
  upstreamHost: string;
  upstreamPort: number;
  log: Logger;
  resolve?: Resolve;
  /** How long (ms) one copy may take to accept before the next is tried. */
  connectTimeoutMs?: number;
}

/**
 * A TCP balancer: each incoming connection goes whole to one copy of the upstream service,
 * taken in turn among the addresses its name resolves to at that moment (so copies added or
 * removed by `--scale` are seen at once). Bytes pass unchanged: TLS or HTTP, keep-alive and
 * the body of a webhook byte for byte.
 */
export class Balancer {
  readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private turn = 0;

  constructor(private readonly o: BalancerOptions) {
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
      this.track(client);
      void this.forward(client);
    });
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private async forward(client: net.Socket): Promise<void> {
    let addresses: string[] = [];
    try {
      addresses = rotation(await (this.o.resolve ?? resolveAll)(this.o.upstreamHost), this.turn++);
    } catch (err) {
      this.o.log.warn({ err, host: this.o.upstreamHost }, 'upstream name does not resolve');
    }
    for (const address of addresses) {
      if (client.destroyed) return;
      const upstream = await this.connect(address);
      if (upstream === undefined) continue;
      this.track(upstream);
      const closeBoth = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', closeBoth);
      upstream.on('error', closeBoth);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      return;
    }
    this.o.log.warn({ host: this.o.upstreamHost, addresses }, 'no upstream copy accepted');
    client.destroy();
  }

  private connect(address: string): Promise<net.Socket | undefined> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: address, port: this.o.upstreamPort, allowHalfOpen: true });
      const failed = (err?: Error) => {
        socket.destroy();
        this.o.log.debug({ err, address }, 'upstream copy did not accept');
        resolve(undefined);
      };
      socket.setTimeout(this.o.connectTimeoutMs ?? 2000, () => failed());
      socket.once('error', failed);
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.removeListener('error', failed);
        resolve(socket);
      });
    });
  }

  listen(port: number, host: string): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(this.server.address() as net.AddressInfo));
    });
  }

  /**
   * Stops accepting, lets the connections in flight end by themselves for up to `drainMs`, then
   * closes the rest.
   */
  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, drainMs);
    await closed;
    clearTimeout(timer);
  }
}
