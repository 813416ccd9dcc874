import { EventEmitter } from 'node:events';
import type { ConfirmChannel, Options } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { ConfirmPublisher, type OutgoingMessage } from '@solstice/shared';

type Callback = (err: Error | null) => void;

/** A ConfirmChannel double: records publishes and lets the test play the broker. */
class BrokerDouble extends EventEmitter {
  readonly published: { id: string; options: Options.Publish; cb: Callback }[] = [];
  /** publish() answers false (socket buffer full) from this many publishes on. */
  fullAfter = Infinity;
  closed = false;

  publish(_x: string, _rk: string, _body: Buffer, options: Options.Publish, cb: Callback): boolean {
    if (this.closed) throw new Error('Channel closed');
    this.published.push({ id: options.messageId!, options, cb });
    return this.published.length < this.fullAfter;
  }
  ack(i: number) {
    this.published[i]!.cb(null);
  }
  nack(i: number) {
    this.published[i]!.cb(new Error('message nacked'));
  }
  /** basic.return, which RabbitMQ sends before the ack of an unroutable message. */
  bounce(i: number) {
    this.emit('return', { properties: { messageId: this.published[i]!.id } });
  }
  close() {
    this.closed = true;
    for (const p of this.published) p.cb(new Error('channel closed'));
    this.emit('close');
  }
  asChannel(): ConfirmChannel {
    return this as unknown as ConfirmChannel;
  }
}

const messages = (n: number): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ messageId: `id-${i}`, body: Buffer.from(`{"n":${i}}`) }));

const publisherOn = (broker: BrokerDouble, confirmTimeoutMs = 1000) =>
  new ConfirmPublisher(broker.asChannel(), {
    exchange: 'x',
    routingKey: 'jobrequest.v1',
    type: 'jobrequest.v1',
    confirmTimeoutMs,
  });

const tick = () => new Promise((r) => setImmediate(r));

describe('ConfirmPublisher', () => {
  it('publishes persistent, mandatory JSON with message id, type and a timestamp in seconds', async () => {
    const broker = new BrokerDouble();
    const done = publisherOn(broker).publishBatch(messages(1));
    broker.ack(0);
    expect((await done)[0]!.outcome).toBe('confirmed');
    const { options } = broker.published[0]!;
    expect(options).toMatchObject({
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: 'id-0',
      type: 'jobrequest.v1',
    });
    expect(Math.abs(options.timestamp! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('counts a returned message as failed although the broker acked it', async () => {
    const broker = new BrokerDouble();
    const done = publisherOn(broker).publishBatch(messages(3));
    broker.bounce(1);
    broker.ack(0);
    broker.ack(1);
    broker.nack(2);
    expect((await done).map((r) => r.outcome)).toEqual(['confirmed', 'returned', 'nacked']);
  });

  it('gives up on a confirm that never comes: timeout, not success', async () => {
    const broker = new BrokerDouble();
    const done = publisherOn(broker, 50).publishBatch(messages(2));
    broker.ack(0);
    const results = await done;
    expect(results.map((r) => r.outcome)).toEqual(['confirmed', 'timeout']);
    expect(results[1]!.reason).toBe('no confirm within 50 ms');
  });

  it('waits for drain before publishing more when publish() says the buffer is full', async () => {
    const broker = new BrokerDouble();
    broker.fullAfter = 2;
    const done = publisherOn(broker).publishBatch(messages(4));
    await tick();
    expect(broker.published).toHaveLength(2);
    broker.fullAfter = Infinity;
    broker.emit('drain');
    await tick();
    expect(broker.published).toHaveLength(4);
    for (let i = 0; i < 4; i++) broker.ack(i);
    expect((await done).every((r) => r.outcome === 'confirmed')).toBe(true);
  });

  it('fails what is unconfirmed or unsent when the channel closes during a drain wait', async () => {
    const broker = new BrokerDouble();
    broker.fullAfter = 2;
    const publisher = publisherOn(broker);
    const done = publisher.publishBatch(messages(4));
    await tick();
    broker.ack(0);
    broker.close();
    expect((await done).map((r) => r.outcome)).toEqual(['confirmed', 'closed', 'closed', 'closed']);
    expect(publisher.open).toBe(false);
    expect((await publisher.publishBatch(messages(1)))[0]!.outcome).toBe('closed');
  });

  it('keeps waiting for drain across batches', async () => {
    const broker = new BrokerDouble();
    broker.fullAfter = 1;
    const publisher = publisherOn(broker, 50);
    const first = publisher.publishBatch(messages(1));
    broker.ack(0);
    await first;
    // No drain yet: the next batch publishes nothing and fails as unknown after the timeout.
    const second = await publisher.publishBatch(messages(1));
    expect(broker.published).toHaveLength(1);
    expect(second[0]!.outcome).toBe('timeout');
    expect(second[0]!.reason).toMatch(/no drain within 50 ms/);
  });
});
