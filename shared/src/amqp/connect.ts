import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { redactUrl } from '../config/reader.js';
import { AmqpNodes, amqpUrlsOf } from './amqp-nodes.js';

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
 * backoff with jitter), to the next node of AMQP_URL when it names several (heartbeats on:
 * a dead socket is noticed in two beats; a heartbeat in the URL wins) and runs `setup` after each connect. Errors, closes and flow
 * control are logged, never left unhandled (amqplib #338, #557).
 */
export async function connectAmqp(o: AmqpConnectOptions): Promise<RecoveringChannelModel> {
  const nodes = new AmqpNodes(amqpUrlsOf(o.url), o.heartbeatSeconds ?? 10);
  const where = () => redactUrl(nodes.current);
  const model = await connect(nodes.options(), {
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
  // Several nodes (AMQP_URL=url1,url2,…): each failed attempt and each lost connection moves
  // the next attempt to the next node, so a node that went away is left for another.
  const many = nodes.urls.length > 1;
  model.on('connect', () => o.log.info({ amqp: where() }, 'AMQP connected'));
  model.on('disconnect', (err: Error) => {
    o.log.warn({ amqp: where(), err: err?.message }, 'AMQP disconnected; reconnecting');
    if (many) nodes.next();
  });
  model.on('connect-failed', (err: Error) => {
    o.log.warn({ amqp: where(), err: err.message }, 'AMQP connect failed');
    if (many) nodes.next();
  });
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

/** Settings both AMQP stages read. */
export interface AmqpSettings {
  amqpUrl: string;
  exchange: string;
  queueType: 'classic' | 'quorum';
}
