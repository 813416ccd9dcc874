import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** The Redis every test talks to (REDIS_URL, or the one global setup started). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** The RabbitMQ every test talks to (AMQP_URL, or the one global setup started). */
export function amqpUrl(): string {
  return inject('amqpUrl');
}

/** A name no other test run uses, for stream prefixes, queues and exchanges. */
export function uniqueName(label = 'test'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
