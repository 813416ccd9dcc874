import type { Server } from 'node:http';
import {
  closeRedis,
  createMetrics,
  Lifecycle,
  startOpsServer,
  type Logger,
  type Metrics,
  type Redis,
} from '@solstice/shared';
import { closeServer, createWebhookServer, listenOn, urlOf } from './adapters/http-server.js';
import { createRedisEventStore } from './adapters/redis-event-store.js';
import { createBodyBudget } from './body-budget.js';
import type { ReceiverConfig } from './config.js';
import { createApp } from './create-app.js';
import { receiverMetrics } from './receiver-metrics.js';

export { openReceiverRedis } from './adapters/receiver-redis.js';

export interface Receiver {
  server: Server;
  /** `http://host:port` the server listens on (the real port when HTTP_ADDR asked for :0). */
  url: string;
  /** `http://host:port` of /metrics, /healthz, /readyz (METRICS_ADDR). */
  metricsUrl: string;
  redis: Redis;
  metrics: Metrics;
  /** Stops accepting, lets in-flight requests finish, closes Redis. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** How long close() waits for in-flight requests before cutting them (GitHub waits 10 s). */
  closeGraceMs?: number;
  now?: () => Date;
}

/**
 * Wires Redis → app → HTTP server (+ the ops server on METRICS_ADDR); both listen when this
 * resolves. The connection (openReceiverRedis) becomes the receiver's: close() closes it.
 */
export async function startReceiver(
  config: ReceiverConfig,
  redis: Redis,
  log: Logger,
  opts: StartOptions = {},
): Promise<Receiver> {
  if (config.webhookSecrets.length === 0) {
    log.warn(
      'DEV MODE: no GITHUB_WEBHOOK_SECRET is set, so webhook signatures are NOT checked and anyone ' +
        'who can reach this port can submit events; set GITHUB_WEBHOOK_SECRET before exposing it',
    );
  }
  const life = new Lifecycle(log);
  life.defer('redis', () => closeRedis(redis));
  return life.starting(async () => {
    const metrics = createMetrics('receiver');
    const budget = createBodyBudget(config.limits.maxBufferedBytes);
    const store = createRedisEventStore({ ...config, redis });
    const { server, connections } = createWebhookServer(config.limits, log, (closed) =>
      own.connectionsShed.inc({ closed }),
    );
    const own = receiverMetrics(metrics, { connections, bufferedBytes: budget.held });
    const now = opts.now ?? (() => new Date());
    server.on('request', createApp({ config, budget, store, metrics: own, log, now }));
    const url = await listenOn(server, config.httpAddr);
    life.defer('http server', () => closeServer(server, opts.closeGraceMs ?? 10_000));
    const ops = await startOpsServer({
      addr: config.metricsAddr,
      registry: metrics.registry,
      ready: () => store.ping(),
      log,
    });
    life.defer('ops server', () => new Promise((resolve) => ops.close(resolve)));
    return { server, url, metricsUrl: urlOf(ops), redis, metrics, close: life.close };
  });
}
