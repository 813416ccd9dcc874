import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { redactUrl } from '../config/reader.js';

export type { ChannelModel, RecoveringChannelModel };

export interface AmqpConnectOptions {
  url: string;
  log: Logger;
  /** Runs after every (re)connect with the fresh connection: declare topology, open channels. */
  setup: (model: ChannelModel) => Promise<void>;
  heartbeatSeconds?: number;
  maxDelayMs?: number;
  /** Wait for the first connection before resolving (default true). */
  waitForConnect?: boolean;
  /** Shown in the broker's connection list (`rabbitmqctl list_connections client_properties`). */
  connectionName?: string;
}

/**
 * A RabbitMQ connection that reconnects by itself (amqplib's recovery: capped exponential
 * backoff with jitter) and runs `setup` after each connect. Errors, closes and flow
 * control are logged, never left unhandled (amqplib #338, #557).
 */
export async function connectAmqp(o: AmqpConnectOptions): Promise<RecoveringChannelModel> {
  const where = redactUrl(o.url);
  const model = await connect(withHeartbeat(o.url, o.heartbeatSeconds ?? 10), {
    clientProperties: { connection_name: o.connectionName ?? o.log.bindings().stage ?? 'solstice' },
    recovery: {
      initialDelay: 200,
      maxDelay: o.maxDelayMs ?? 10_000,
      factor: 2,
      jitter: 0.3,
      maxRetries: Infinity,
      // Listeners go on before the first attempt, so the first connect is logged too.
      waitForConnect: false,
      setup: async (m: ChannelModel) => {
        m.on('error', (err: Error) => o.log.warn({ err: err.message }, 'AMQP connection error'));
        await o.setup(m);
      },
    },
  });
  model.on('connect', () => o.log.info({ amqp: where }, 'AMQP connected'));
  model.on('disconnect', (err: Error) =>
    o.log.warn({ err: err?.message }, 'AMQP disconnected; reconnecting'),
  );
  model.on('connect-failed', (err: Error) =>
    o.log.warn({ amqp: where, err: err.message }, 'AMQP connect failed'),
  );
  model.on('reconnect-failed', (err: Error) =>
    o.log.error({ err: err.message }, 'AMQP reconnect gave up'),
  );
  model.on('blocked', (reason: string) =>
    o.log.warn({ reason }, 'AMQP connection blocked by the broker'),
  );
  model.on('unblocked', () => o.log.info('AMQP connection unblocked'));
  model.on('error', (err: Error) => o.log.warn({ err: err.message }, 'AMQP error'));
  if (o.waitForConnect ?? true) await model.waitForConnect();
  return model;
}

/** Heartbeats on (a dead socket is noticed in two beats); a heartbeat already in the URL wins. */
function withHeartbeat(url: string, seconds: number): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(seconds));
  return u.toString();
}

/** Settings both AMQP stages read. */
export interface AmqpSettings {
  amqpUrl: string;
  exchange: string;
  queueType: 'classic' | 'quorum';
}
