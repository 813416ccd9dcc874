import type { Server } from 'node:http';
import {
  closeRedis,
  createMetrics,
  Lifecycle,
  type Logger,
  type Metrics,
  type Redis,
} from '@solstice/shared';
import { closeServer, listenOn } from './adapters/http-server.js';
import { createRedisEventStore } from './adapters/redis-event-store.js';
import { createAllowlist } from './allowlist.js';
import type { ReceiverConfig } from './config.js';
import { createApp } from './create-app.js';
import { receiverMetrics } from './receiver-metrics.js';

export { openReceiverRedis } from './adapters/receiver-redis.js';

export interface Receiver {
  server: Server;
  /** `http://host:port` the server listens on (the real port when HTTP_ADDR asked for :0). */
  url: string;
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
 * Wires Redis → app → HTTP server; the server is listening when this resolves. The
 * connection (openReceiverRedis) becomes the receiver's: close() closes it.
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
    const app = createApp({
      webhookPath: config.webhookPath,
      bodyLimit: config.bodyLimit,
      webhook: {
        secrets: config.webhookSecrets,
        checkSuiteRequested: config.checkSuiteRequested,
        allowed: createAllowlist({ repos: config.allowedRepos, owners: config.allowedOwners }),
        now: opts.now ?? (() => new Date()),
      },
      store: createRedisEventStore({
        redis,
        streamPrefix: config.streamPrefix,
        dedupeTtlSeconds: config.dedupeTtlSeconds,
      }),
      metrics: receiverMetrics(metrics),
      registry: metrics.registry,
      log,
    });
    const { server, url } = await listenOn(config.httpAddr, app);
    life.defer('http server', () => closeServer(server, opts.closeGraceMs ?? 10_000));
    return { server, url, redis, metrics, close: life.close };
  });
}
