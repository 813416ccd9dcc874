import { Counter } from 'prom-client';
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
  | 'unavailable'
  | 'error';

export interface ReceiverMetrics {
  received: Counter<'event' | 'outcome'>;
  signatureFailures: Counter;
}

/** The receiver's own metrics, on the process registry from createMetrics('receiver'). */
export function receiverMetrics(metrics: Metrics): ReceiverMetrics {
  const registers = [metrics.registry];
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
  };
}
