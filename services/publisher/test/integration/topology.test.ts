import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, connectStage } from '@solstice/shared';
import { startPublisher } from '../../src/start-publisher.js';
import { declareJobsTopology, type JobsTopology } from '../../src/adapters/topology.js';
import { captureLogger } from '../../../../test/support/log.js';
import { uniqueName } from '../../../../test/support/servers.js';
import { hasRabbitmqctl, rabbitmqctl } from '../../../../test/support/rabbitmq.js';
import {
  configFor,
  inspector,
  removeStreams,
  removeTopology,
  uniqueTopology,
  waitFor,
} from './harness.js';

describe('the jobs topology', () => {
  const made: JobsTopology[] = [];
  const topology = (over: Partial<JobsTopology> = {}) => {
    const t = uniqueTopology(over);
    made.push(t);
    return t;
  };
  afterEach(async () => {
    for (const t of made.splice(0)) await removeTopology(t);
  });

  it('declares DLX, DLQ, exchange and queue idempotently; the queue dead-letters to the DLQ', async () => {
    const t = topology();
    const { conn, channel } = await inspector();
    try {
      const ch = await channel();
      await declareJobsTopology(ch, t);
      await declareJobsTopology(ch, t); // a second copy or a restart declares the same again
      await ch.checkExchange(t.exchange);
      await ch.checkExchange(t.dlx);
      expect((await ch.checkQueue(t.queue)).messageCount).toBe(0);
      expect((await ch.checkQueue(t.dlq)).messageCount).toBe(0);

      ch.publish(t.exchange, t.routingKey, Buffer.from('{"poison":true}'), { messageId: 'm1' });
      const msg = await waitFor(() => ch.get(t.queue), 'the message in the queue');
      ch.nack(msg, false, false);
      const dead = await waitFor(() => ch.get(t.dlq, { noAck: true }), 'the message in the DLQ');
      expect(dead.content.toString()).toBe('{"poison":true}');
      expect(dead.properties.messageId).toBe('m1');
      // Dead letters keep their routing key; the DLQ is bound with it.
      expect(dead.fields.routingKey).toBe(t.routingKey);
      expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({
        queue: t.queue,
        reason: 'rejected',
      });
    } finally {
      await conn.close();
    }
  });

  it.skipIf(!hasRabbitmqctl())(
    'gives the queue and the DLQ the configured type, durable',
    async () => {
      const t = topology({ queueType: 'quorum' });
      const { conn, channel } = await inspector();
      try {
        await declareJobsTopology(await channel(), t);
      } finally {
        await conn.close();
      }
      const rows = (await rabbitmqctl('list_queues', 'name', 'durable', 'type', 'arguments'))
        .split('\n')
        .filter((l) => l.startsWith(t.queue) || l.startsWith(t.dlq));
      const byName = Object.fromEntries(rows.map((l) => [l.split('\t')[0], l]));
      expect(byName[t.queue]).toMatch(/\ttrue\tquorum\t/);
      expect(byName[t.queue]).toContain(`{"x-dead-letter-exchange","${t.dlx}"}`);
      expect(byName[t.dlq]).toMatch(/\ttrue\tquorum\t/);
    },
  );

  it('refuses to start, in one clear line, when the queue exists with another type', async () => {
    const t = topology({ queueType: 'classic' });
    const { conn, channel } = await inspector();
    try {
      // As an orchestrator might have declared it: the same DLX, a replicated queue.
      const ch = await channel();
      await ch.assertQueue(t.queue, {
        durable: true,
        arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': t.dlx },
      });
    } finally {
      await conn.close();
    }
    const logs = captureLogger(uniqueName('publisher'));
    const prefix = uniqueName('pubtest');
    const config = configFor(prefix, t);
    const connections = connectStage(config.stage, 'publisher', logs.log);
    const err = await startPublisher(config, connections, logs.log).then(
      () => undefined,
      (e: unknown) => e,
    );
    await removeStreams(prefix);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      `AMQP queue '${t.queue}' (AMQP_QUEUE) already exists with x-queue-type = quorum, but the ` +
        `publisher declares it with x-queue-type = classic: set AMQP_QUEUE_TYPE=quorum to use the ` +
        `queue as it is, or delete the queue (rabbitmqctl delete_queue ${t.queue}) so it is declared anew`,
    ]);
    // The DLX and DLQ were declared before the refused queue; the jobs exchange too.
    const again = await inspector();
    try {
      await (await again.channel()).checkQueue(t.dlq);
    } finally {
      await again.conn.close();
    }
  });
});
