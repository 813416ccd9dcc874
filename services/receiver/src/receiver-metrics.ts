import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '@solstice/shared';

/** How a delivery ended; the `outcome` label of solstice_webhooks_received_total. */
export type Outcome =
  | 'stored'
  | 'duplicate'
  | 'ping'
  | 'ignored'
  | 'dropped'
  | 'unauthorized'
  | 'bad_request'
  | 'too_large'
  | 'unsupported'
  | 'overloaded'
  | 'unavailable'
  | 'error';

export interface ReceiverMetrics {
  received: Counter<'event' | 'outcome'>;
  signatureFailures: Counter;
  /** Connections closed at MAX_CONNECTIONS: an idle one to make room, or the new one. */
  connectionsShed: Counter<'closed'>;
  /** Deliveries answered 503 because fewer than REDIS_MIN_REPLICAS_ACK replicas had them in time. */
  replicasShort: Counter;
}

/** The receiver's own metrics, on the process registry from createMetrics('receiver'). */
export function receiverMetrics(
  metrics: Metrics,
  now: { connections: () => number; bufferedBytes: () => number },
): ReceiverMetrics {
  const registers = [metrics.registry];
  new Gauge({
    name: 'solstice_receiver_connections',
    help: 'Open HTTP connections of the webhook port (at most MAX_CONNECTIONS)',
    registers,
    collect() {
      this.set(now.connections());
    },
  });
  new Gauge({
    name: 'solstice_receiver_buffered_bytes',
    help: 'Request body bytes held across requests in flight (at most MAX_BUFFERED_BYTES)',
    registers,
    collect() {
      this.set(now.bufferedBytes());
    },
  });
  return {
    received: new Counter({
      name: 'solstice_webhooks_received_total',
      help: 'Webhook deliveries by event (unverified before the signature is checked) and outcome',
      labelNames: ['event', 'outcome'],
      registers,
    }),
    signatureFailures: new Counter({
      name: 'solstice_webhook_signature_failures_total',
      help: 'Webhook requests refused for a missing or wrong X-Hub-Signature-256',
      registers,
    }),
    connectionsShed: new Counter({
      name: 'solstice_receiver_connections_shed_total',
      help: 'Connections closed at MAX_CONNECTIONS: an idle one (no request in flight) or the new one',
      labelNames: ['closed'],
      registers,
    }),
    replicasShort: new Counter({
      name: 'solstice_receiver_replicas_short_total',
      help: 'Deliveries answered 503: fewer than REDIS_MIN_REPLICAS_ACK replicas had them within REDIS_REPLICAS_ACK_TIMEOUT_MS',
      registers,
    }),
  };
}
