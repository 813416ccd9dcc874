import type { Channel } from 'amqplib';

export interface ResultsTopology {
  exchange: string;
  dlx: string;
  queue: string;
  routingKey: string;
  queueType: 'classic' | 'quorum';
}

export const dlqOf = (queue: string) => `${queue}.dlq`;

/**
 * Declares, idempotently, the results queue bound to the jobs exchange, dead-lettering to
 * `<queue>.dlq` through the DLX. The DLX and DLQ come first: a queue whose DLX is missing
 * drops its dead letters silently. Dead letters are routed by the queue's name, so the
 * DLX can be shared with the publisher's DLQ.
 */
export async function declareResultsTopology(ch: Channel, t: ResultsTopology): Promise<void> {
  const type = { 'x-queue-type': t.queueType };
  await ch.assertExchange(t.dlx, 'direct', { durable: true });
  await ch.assertQueue(dlqOf(t.queue), { durable: true, arguments: type });
  await ch.bindQueue(dlqOf(t.queue), t.dlx, t.queue);
  await ch.assertExchange(t.exchange, 'direct', { durable: true });
  await ch.assertQueue(t.queue, {
    durable: true,
    arguments: { ...type, 'x-dead-letter-exchange': t.dlx, 'x-dead-letter-routing-key': t.queue },
  });
  await ch.bindQueue(t.queue, t.exchange, t.routingKey);
}
