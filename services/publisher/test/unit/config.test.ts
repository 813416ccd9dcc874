import { describe, expect, it } from 'vitest';
import { ConfigError } from '@solstice/shared';
import { readPublisherConfig } from '../../src/config.js';

const problems = (env: Record<string, string>, argv: string[] = []): string[] => {
  try {
    readPublisherConfig({ env, argv });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('publisher configuration', () => {
  it('has the documented defaults', () => {
    const c = readPublisherConfig({ env: {} });
    expect(c.amqp).toEqual({
      amqpUrl: 'amqp://127.0.0.1:5672/%2f',
      exchange: 'solstice.jobs',
      routingKey: 'jobrequest.v1',
      queue: 'solstice.jobs.v1',
      dlx: 'solstice.dlx',
      dlq: 'solstice.jobs.v1.dlq',
      queueType: 'classic',
      confirmTimeoutMs: 10_000,
    });
    expect(c.stage).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      streamPrefix: 'solstice',
      metricsAddr: '0.0.0.0:9102',
    });
  });

  it('takes every AMQP setting from the environment, and flags before the environment', () => {
    const c = readPublisherConfig({
      env: {
        AMQP_URL: 'amqps://u:p@mq.example:5671/ci',
        AMQP_EXCHANGE: 'ci.jobs',
        AMQP_ROUTING_KEY: 'jobs.v1',
        AMQP_QUEUE: 'ci.jobs.q',
        AMQP_DLX: 'ci.dlx',
        AMQP_DLQ: 'ci.jobs.dlq',
        AMQP_QUEUE_TYPE: 'quorum',
        CONFIRM_TIMEOUT_MS: '2500',
      },
      argv: ['--amqp-queue', 'from.flag', '--metrics-addr=127.0.0.1:0'],
    });
    expect(c.amqp).toEqual({
      amqpUrl: 'amqps://u:p@mq.example:5671/ci',
      exchange: 'ci.jobs',
      routingKey: 'jobs.v1',
      queue: 'from.flag',
      dlx: 'ci.dlx',
      dlq: 'ci.jobs.dlq',
      queueType: 'quorum',
      confirmTimeoutMs: 2500,
    });
    expect(c.stage.metricsAddr).toBe('127.0.0.1:0');
  });

  it('names each bad setting in a line of its own', () => {
    const lines = problems({
      AMQP_URL: 'http://u:secret@mq:5672',
      AMQP_QUEUE_TYPE: 'stream',
      CONFIRM_TIMEOUT_MS: 'soon',
      AMQP_QUEUE: 'amq.jobs',
      METRICS_ADDR: 'nowhere',
    });
    expect(lines).toHaveLength(5);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AMQP_URL: expected a URL starting amqp: or amqps:/),
        "AMQP_QUEUE_TYPE: expected classic or quorum, got 'stream'",
        expect.stringMatching(/^CONFIRM_TIMEOUT_MS: expected a whole number from 10 to 600000/),
        expect.stringMatching(/^AMQP_QUEUE: expected a name .*not starting amq\./),
        expect.stringMatching(/^METRICS_ADDR: expected host:port/),
      ]),
    );
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('refuses a DLX that is the jobs exchange and a DLQ that is the jobs queue', () => {
    expect(
      problems({
        AMQP_EXCHANGE: 'same',
        AMQP_DLX: 'same',
        AMQP_QUEUE: 'q',
        AMQP_DLQ: 'q',
      }),
    ).toEqual([
      "AMQP_DLX: expected an exchange other than AMQP_EXCHANGE, got 'same'",
      "AMQP_DLQ: expected a queue other than AMQP_QUEUE, got 'q'",
    ]);
  });

  it('reports an unknown flag', () => {
    expect(problems({}, ['--amqp-queues', 'x'])).toEqual(['--amqp-queues: unknown option']);
  });
});
