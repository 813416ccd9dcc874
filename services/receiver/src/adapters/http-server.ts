import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddr } from '@solstice/shared';

/** A node:http server listening on `addr` (HTTP_ADDR); its `http://host:port` (the real port for :0). */
export async function listenOn(
  addr: string,
  app: RequestListener,
): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
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
  return { server, url: `http://${shown}:${bound.port}` };
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
