import type { TestProject } from 'vitest/node';

// Tests use REDIS_URL / AMQP_URL when set (CI, a developer's machine); otherwise they
// start the servers with Testcontainers, once for the whole run.
export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops) await stop();
  };
  let redisUrl = process.env.REDIS_URL;
  let amqpUrl = process.env.AMQP_URL;
  try {
    if (!redisUrl) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const c = await started('redis:7.0', () => new RedisContainer('redis:7.0').start());
      stops.push(() => c.stop());
      redisUrl = c.getConnectionUrl();
    }
    if (!amqpUrl) {
      const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
      const image = 'rabbitmq:3.13-management';
      const c = await started(image, () => new RabbitMQContainer(image).start());
      stops.push(() => c.stop());
      amqpUrl = c.getAmqpUrl();
    }
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  project.provide('redisUrl', redisUrl);
  project.provide('amqpUrl', amqpUrl);
  return stopAll;
}

/** Starts a container; a failure becomes one line saying what to do (no stack: the cause is not in our code). */
async function started<T>(image: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const line = testcontainersFailure(image, err);
    const e = new Error(line);
    e.stack = `Error: ${line}`;
    throw e;
  }
}

/** The one line for a server Testcontainers could not start. */
export function testcontainersFailure(image: string, err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  if (/Could not find a working container runtime strategy/i.test(message))
    return 'REDIS_URL/AMQP_URL are unset and no Docker engine is reachable for Testcontainers: start a Docker engine (`docker info` must answer) or set REDIS_URL and AMQP_URL to running Redis and RabbitMQ servers';
  return `REDIS_URL/AMQP_URL are unset and Testcontainers could not start ${image} (${message}): set REDIS_URL and AMQP_URL to running servers, or make the image available to the engine (without a registry: a local image, and TESTCONTAINERS_RYUK_DISABLED=true as the ryuk image cannot be pulled)`;
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    amqpUrl: string;
  }
}
