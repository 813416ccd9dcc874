import type { TestProject } from 'vitest/node';

// Tests use REDIS_URL / AMQP_URL when set (CI, a developer's machine); otherwise they
// start the servers with Testcontainers, once for the whole run.
export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  let redisUrl = process.env.REDIS_URL;
  let amqpUrl = process.env.AMQP_URL;
  if (!redisUrl) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const c = await new RedisContainer('redis:7.0').start();
    stops.push(() => c.stop());
    redisUrl = c.getConnectionUrl();
  }
  if (!amqpUrl) {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const c = await new RabbitMQContainer('rabbitmq:3.13-management').start();
    stops.push(() => c.stop());
    amqpUrl = c.getAmqpUrl();
  }
  project.provide('redisUrl', redisUrl);
  project.provide('amqpUrl', amqpUrl);
  return async () => {
    for (const stop of stops) await stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    amqpUrl: string;
  }
}
