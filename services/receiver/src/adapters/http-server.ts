import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddr } from '@solstice/shared';
import type { HttpLimits } from '../http-limits.js';

/** A node:http server with the receiver's timeouts, without a request handler yet. */
export function createHttpServer(
  limits: Pick<HttpLimits, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>,
): Server {
  return createServer({
    // Node's defaults are 60 s for the headers and 300 s for the whole request: a client that
    // stalls would hold its connection and its buffered body that long.
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often node looks for requests past those timeouts (default 30 s, which would let a
    // stalled request live up to 45 s instead of 15).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  });
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
  const bound = server.address() as AddressInfo;
  const shown = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return `http://${shown}:${bound.port}`;
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
