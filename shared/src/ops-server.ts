import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseAddr } from './config/common.js';

export interface OpsServerOptions {
  addr: string;
  registry: Registry;
  /** true when the process can do its work (Redis reachable, AMQP connected…). */
  ready: () => Promise<boolean>;
  log: Logger;
}

/** GET /metrics, /healthz (process up) and /readyz for a stage without an HTTP API of its own. */
export async function startOpsServer(o: OpsServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    // No request body is ever read here: nothing to limit but the headers node already caps.
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      o.ready().then(
        (ok) =>
          res
            .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
            .end(ok ? 'ready\n' : 'not ready\n'),
        () => res.writeHead(503).end('not ready\n'),
      );
    } else if (path === '/metrics') {
      o.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': o.registry.contentType }).end(text),
        (err) => res.writeHead(500).end(String(err)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  const { host, port } = parseAddr(o.addr)!;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `METRICS_ADDR ${o.addr} is already in use; set METRICS_ADDR to a free host:port`,
            )
          : err,
      ),
    );
    server.listen(port, host, resolve);
  });
  o.log.info({ addr: server.address() }, 'ops server listening (/metrics, /healthz, /readyz)');
  return server;
}
