import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import {
  closeAll,
  closeRedis,
  createMetrics,
  createRedis,
  errorMessage,
  parseAddr,
  type Logger,
  type Metrics,
  type Redis,
} from '@solstice/shared';
import { createRedisEventStore } from './adapters/redis-event-store.js';
import { createAllowlist } from './allowlist.js';
import type { ReceiverConfig } from './config.js';
import { createApp } from './create-app.js';
import { receiverMetrics } from './receiver-metrics.js';

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

/** Wires config → Redis → app → HTTP server; the server is listening when this resolves. */
export async function startReceiver(
  config: ReceiverConfig,
  log: Logger,
  opts: StartOptions = {},
): Promise<Receiver> {
  if (config.webhookSecrets.length === 0) {
    log.warn(
      'DEV MODE: no GITHUB_WEBHOOK_SECRET is set, so webhook signatures are NOT checked and anyone ' +
        'who can reach this port can submit events; set GITHUB_WEBHOOK_SECRET before exposing it',
    );
  }
  // role 'request': commands fail at once while Redis is away, so a delivery gets 503 at once.
  const redis = createRedis(config.redisUrl, { role: 'request', name: 'receiver' });
  logRedisState(redis, log);
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
  const server = createServer(app);
  try {
    await listen(server, config.httpAddr);
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= closeAll(log, [
      ['http server', () => closeServer(server, opts.closeGraceMs ?? 10_000)],
      ['redis', () => closeRedis(redis)],
    ]));
  return { server, url: `http://${host}:${port}`, redis, metrics, close };
}

function listen(server: Server, addr: string): Promise<void> {
  const { host, port } = parseAddr(addr)!;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`HTTP_ADDR ${addr} is already in use; set HTTP_ADDR to a free host:port`)
          : err,
      ),
    );
    server.listen(port, host, resolve);
  });
}

/** server.close waits for in-flight requests; idle keep-alive sockets would hold it open. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** One line when Redis goes away and one when it is back, not one per reconnect attempt. */
function logRedisState(redis: Redis, log: Logger): void {
  let up = false;
  let warned = false;
  redis.on('ready', () => {
    up = true;
    warned = false;
    log.info('redis connected');
  });
  redis.on('error', (err) => {
    if (warned) return;
    warned = true;
    log.warn(
      { err: errorMessage(err) },
      up ? 'redis connection lost; answering 503 until it is back' : 'redis not reachable yet',
    );
    up = false;
  });
  redis.on('close', () => {
    if (!up || warned) return;
    warned = true;
    up = false;
    log.warn('redis connection lost; answering 503 until it is back');
  });
}
