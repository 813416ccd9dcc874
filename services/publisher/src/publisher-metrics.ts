import { Counter, Histogram } from 'prom-client';
import type { Metrics } from '@solstice/shared';

/** The publisher's own metrics, on the registry every stage has. */
export interface PublisherMetrics {
  /** outcome: confirmed, returned, nacked, timeout, closed, invalid */
  published: Counter<'outcome'>;
  confirmSeconds: Histogram;
}

export function publisherMetrics(m: Metrics): PublisherMetrics {
  const registers = [m.registry];
  return {
    published: new Counter({
      name: 'solstice_jobrequests_published_total',
      help: 'JobRequests handed to RabbitMQ, by outcome (only confirmed ones are acked in the stream)',
      labelNames: ['outcome'],
      registers,
    }),
    confirmSeconds: new Histogram({
      name: 'solstice_publish_confirm_seconds',
      help: 'From publish to the broker confirm (ack, nack or return) of one JobRequest',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
  };
}
