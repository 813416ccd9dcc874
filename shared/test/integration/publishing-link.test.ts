import { connect } from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { connectAmqp, firstAmqpUrl, PublishingLink, type OutgoingMessage } from '@solstice/shared';
import { captureLogger } from '../../../test/support/log.js';
import { amqpUrl, uniqueName } from '../../../test/support/servers.js';
import { waitFor } from '../../../test/support/wait.js';

const messages = (n: number): OutgoingMessage[] =>
  Array.from({ length: n }, () => ({ messageId: uniqueName('m'), body: Buffer.from('{}') }));

// A queue that holds one message and refuses the rest (x-overflow reject-publish): the real
// broker nacks, as a quorum queue that lost its leader did for a channel opened meanwhile.
describe('PublishingLink: a batch the broker nacks', () => {
  const exchange = uniqueName('link-x');
  const queue = uniqueName('link-q');
  afterAll(async () => {
    const conn = await connect(firstAmqpUrl(amqpUrl()));
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    await conn.close();
  });

  it('replaces the confirm channel when the whole batch was nacked, not when part of it was', async () => {
    const { log, lines } = captureLogger('publishing-link');
    const link = new PublishingLink({
      exchange,
      routingKey: queue,
      messageType: 'test.v1',
      confirmTimeoutMs: 5000,
      log,
      reopenDelayMs: 50,
      declare: async (ch) => {
        await ch.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
        await ch.assertQueue(queue, {
          durable: false,
          arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
        });
        await ch.bindQueue(queue, exchange, queue);
      },
    });
    const model = await connectAmqp({ url: amqpUrl(), log, setup: link.setup });
    try {
      await link.waitForChannel();
      const opened = () => lines().filter((l) => l.msg === 'confirm channel open').length;
      expect(opened()).toBe(1);

      // One taken, one refused: the channel works, it stays.
      const partly = await link.publishBatch(messages(2));
      expect(partly.map((r) => r.outcome)).toEqual(['confirmed', 'nacked']);
      expect(link.isOpen).toBe(true);
      expect(opened()).toBe(1);

      // All refused: another channel is opened.
      const all = await link.publishBatch(messages(2));
      expect(all.map((r) => r.outcome)).toEqual(['nacked', 'nacked']);
      expect(
        lines().some(
          (l) => l.msg === 'the broker nacked the whole batch; replacing the confirm channel',
        ),
      ).toBe(true);
      await waitFor(() => opened() === 2, 'a new confirm channel open');
      expect(link.isOpen).toBe(true);
    } finally {
      await link.close();
      await model.close();
    }
  });
});
