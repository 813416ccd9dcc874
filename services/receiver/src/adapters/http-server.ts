import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddr, type Logger } from '@solstice/shared';
import type { HttpLimits } from '../http-limits.js';
import { guardConnections } from './connection-guard.js';

/**
 * The webhook port's node:http server, without a request handler yet: the receiver's timeouts,
 * and MAX_CONNECTIONS kept by guardConnections. `connections()`: how many are open.
 */
export function createWebhookServer(
  limits: HttpLimits,
  log: Logger,
  onShed: (closed: 'idle' | 'new') => void,
): { server: Server; connections: () => number } {
  const server = createServer({
    // Node's defaults are 60 s for the headers and 300 s for the whole request: a client that
    // stalls would hold its connection and its buffered body that long.
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often node looks for requests past those timeouts (default 30 s, which would let a
    // stalled request live up to 45 s instead of 15).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  });
  // A client that connects to send a webhook sends it at once: a second is plenty.
  const guard = guardConnections(server, {
    max: limits.maxConnections,
    graceMs: 1000,
    log,
    onShed,
  });
  return { server, connections: guard.count };
}

/** Listens on `addr` (HTTP_ADDR); the server's `http://host:port` (the real port for :0). */
export async function listenOn(server: Server, addr: string): Promise<string> {
  const { host, port } = parseAddr(addr)!;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`HTTP_ADDR ${addr} is already in use; set HTTP_ADDR to a free host:port`)
          : err,
      ),
    );
    server.listen(port, host, resolve);
  });
  return urlOf(server);
}

/** `http://host:port` of a listening server. */
export function urlOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/**
 * Stops accepting and waits for in-flight requests, cutting them after `graceMs`; idle
 * keep-alive sockets would otherwise hold server.close open.
 */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
