import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  port: number;
  /** `url` with its host and port replaced by the proxy's, e.g. a REDIS_URL to hand a client. */
  urlFor(url: string): string;
  /** Cuts every open connection and refuses new ones until resume(): the server "goes away". */
  pause(): void;
  /** Accepts and forwards connections again. */
  resume(): void;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

/** A TCP proxy to `target` (host:port) that a test can cut, for outage tests against real servers. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let paused = false;
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    // A cut connection errors on both ends; the test cares only that it is gone.
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (paused) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const cutAll = () => {
    for (const s of open) s.destroy();
  };
  return {
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    pause() {
      paused = true;
      cutAll();
    },
    resume() {
      paused = false;
    },
    close() {
      paused = true;
      cutAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
