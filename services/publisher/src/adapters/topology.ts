import type { Channel } from 'amqplib';

/** Where JobRequests go, and where the queue dead-letters them. */
export interface JobsTopology {
  exchange: string;
  routingKey: string;
  queue: string;
  dlx: string;
  dlq: string;
  queueType: 'classic' | 'quorum';
}

/**
 * Declares, idempotently: the DLX and the DLQ bound to it, then the jobs exchange and the
 * queue bound to it with the routing key. The DLX and DLQ come first: a queue whose DLX is
 * missing drops its dead letters silently. Dead letters keep their routing key, so the DLQ is
 * bound with the jobs' routing key, and with the queue's name for dead letters routed by it.
 */
export async function declareJobsTopology(ch: Channel, t: JobsTopology): Promise<void> {
  const type = { 'x-queue-type': t.queueType };
  await ch.assertExchange(t.dlx, 'direct', { durable: true });
  await ch.assertQueue(t.dlq, { durable: true, arguments: type });
  await ch.bindQueue(t.dlq, t.dlx, t.routingKey);
  if (t.queue !== t.routingKey) await ch.bindQueue(t.dlq, t.dlx, t.queue);
  await ch.assertExchange(t.exchange, 'direct', { durable: true });
  await ch.assertQueue(t.queue, {
    durable: true,
    arguments: { ...type, 'x-dead-letter-exchange': t.dlx },
  });
  await ch.bindQueue(t.queue, t.exchange, t.routingKey);
}
