import type { Server } from 'node:http';
import {
  closeRedis,
  createMetrics,
  keysFor,
  Lifecycle,
  SHUTDOWN_LIMITS,
  startOpsServer,
  type Logger,
  type ShutdownReport,
  type Metrics,
  type Redis,
} from '@solstice/shared';
import { closeServer, createWebhookServer, listenOn, urlOf } from './adapters/http-server.js';
import { createRedisEventStore } from './adapters/redis-event-store.js';
import { createBodyBudget } from './body-budget.js';
import type { ReceiverConfig } from './config.js';
import { createApp, type AppOptions } from './create-app.js';
import { receiverMetrics } from './receiver-metrics.js';
import { startSetup } from './setup/start-setup.js';

export { openReceiverRedis } from './adapters/receiver-redis.js';

export interface Receiver {
  server: Server;
  /** `http://host:port` the server listens on (the real port when HTTP_ADDR asked for :0). */
  url: string;
  /** `http://host:port` of /metrics, /healthz, /readyz (METRICS_ADDR). */
  metricsUrl: string;
  redis: Redis;
  metrics: Metrics;
  /**
   * The settings the receiver works with once it has a webhook secret (or runs in dev mode):
   * at once, or when the secret appears in CREDENTIALS_DIR (the setup state ends then);
   * undefined when closed first; rejects with the ConfigError of a bad credential file.
   */
  settled: Promise<ReceiverConfig | undefined>;
  /** Stops accepting, lets in-flight requests finish, closes Redis. Idempotent. */
  close(): Promise<ShutdownReport>;
  /** Adds a close step, run before the others (what was started on the receiver's Redis). */
  defer: Lifecycle['defer'];
}

export interface StartOptions {
  /** How long close() waits for in-flight requests before cutting them (default and at most SHUTDOWN_LIMITS.drainMs; GitHub waits 10 s). */
  closeGraceMs?: number;
  now?: () => Date;
  /** Reads the settings again: given, a receiver without a secret watches CREDENTIALS_DIR. */
  reread?: () => ReceiverConfig;
  pollMs?: number;
}

/**
 * Wires Redis → app → HTTP server (+ the ops server on METRICS_ADDR); both listen when this
 * resolves. The connection (openReceiverRedis) becomes the receiver's: close() closes it.
 * Without a webhook secret the server answers as the setup state says (receiverSetup) until
 * `settled`, then with the configured app: the port, its timeouts, connection guard and body
 * budget stay the same throughout.
 */
export async function startReceiver(
  config: ReceiverConfig,
  redis: Redis,
  log: Logger,
  opts: StartOptions = {},
): Promise<Receiver> {
  const life = new Lifecycle(log);
  life.defer('redis', () => closeRedis(redis));
  return life.starting(async () => {
    const metrics = createMetrics('receiver');
    const budget = createBodyBudget(config.limits.maxBufferedBytes);
    const store = createRedisEventStore({
      ...config,
      redis,
      onReplicasShort: replicasShort(log, () => own.replicasShort.inc()),
    });
    const { server, connections } = createWebhookServer(config.limits, log, (closed) =>
      own.connectionsShed.inc({ closed }),
    );
    const own = receiverMetrics(metrics, { connections, bufferedBytes: budget.held });
    const now = opts.now ?? (() => new Date());
    const appFor = (c: ReceiverConfig, setup?: AppOptions['setup']) =>
      createApp({ config: c, budget, store, metrics: own, log, now, setup });
    const first = startSetup(config, {
      redis,
      keys: keysFor(config.streamPrefix),
      log,
      reread: opts.reread,
      pollMs: opts.pollMs,
    });
    life.defer('setup', first.stop);
    let inSetup = first.setup.refuse !== undefined;
    let app = appFor(config, { refuse: first.setup.refuse, register: first.register });
    server.on('request', (req, res) => app(req, res));
    const url = await listenOn(server, config.httpAddr);
    const graceMs = opts.closeGraceMs ?? SHUTDOWN_LIMITS.drainMs;
    life.defer('http server', () => closeServer(server, graceMs), { kind: 'drain' });
    const ops = await startOpsServer({
      addr: config.metricsAddr,
      registry: metrics.registry,
      ready: async () => !inSetup && (await store.ping()),
      log,
    });
    life.defer('ops server', () => new Promise((resolve) => ops.close(resolve)));
    const settled = first.settled.then((c) => {
      if (c !== undefined && c !== config) {
        app = appFor(c);
        inSetup = false;
        log.info(
          { secretVariable: c.secretVariable },
          'setup: webhook secret found; webhook signatures are checked from now on',
        );
      }
      return c;
    });
    return {
      server,
      url,
      metricsUrl: urlOf(ops),
      redis,
      metrics,
      settled,
      close: life.close,
      defer: life.defer,
    };
  });
}

/** Counts and logs a delivery answered 503 because too few replicas had it in time. */
function replicasShort(log: Logger, count: () => void): (err: Error) => void {
  return (err) => {
    count();
    log.warn({ err: err.message }, 'replicas did not acknowledge a delivery in time; answered 503');
  };
}
