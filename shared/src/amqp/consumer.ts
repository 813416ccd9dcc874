import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { ChannelKeeper } from './channel-keeper.js';

/**
 * What becomes of one message: ack it (its effect is durable), dead-letter it (nack without
 * requeue: the queue's DLX takes it) with the reason, or try it again later.
 */
export type Disposition<Outcome extends string = string> =
  | { action: 'ack'; outcome?: Outcome }
  | { action: 'dead'; reason: string }
  | { action: 'retry'; reason: string };

export interface ConsumerOptions {
  /** How the logs name it: `results` (`results consumer`, `results channel`). */
  name: string;
  /** What it consumes, for the logs: `JobResults`. */
  what: string;
  queue: string;
  prefetch: number;
  /** Declares the queue (and its DLX and DLQ) after every (re)connect. */
  declare: (ch: Channel) => Promise<void>;
  /** Should not throw; a throw counts as a retry. */
  handle: (msg: ConsumeMessage) => Promise<Disposition>;
  log: Logger;
  /** Back-off of a message that keeps asking for a retry (it stays unacked meanwhile). */
  retry: { baseMs: number; maxMs: number };
  reopenDelayMs?: number;
}

export interface Consumer {
  /** connectAmqp's setup: runs after every (re)connect, declares and consumes again. */
  setup(model: ChannelModel): Promise<void>;
  /** Cancels the consumer, lets messages in hand finish, closes the channel. Idempotent. */
  stop(): Promise<void>;
  consuming(): boolean;
}

interface Consuming {
  readonly channel: Channel;
  open: boolean;
  tag?: string;
}

/**
 * Consumes with manual acks (per-consumer prefetch, noAck false), each message settled once,
 * on the channel it came from: ack, nack without requeue (→ DLQ), or retried with back-off
 * while it stays unacked, so nothing is lost if the process dies (RELIABILITY.md).
 */
export function createConsumer(o: ConsumerOptions): Consumer {
  const log = o.log;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();
  const sleepers = new Set<() => void>();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  const backoff = (attempt: number) =>
    Math.min(o.retry.maxMs, o.retry.baseMs * 2 ** Math.min(attempt - 1, 20)) *
    (0.8 + Math.random() * 0.4);

  function settle(c: Consuming, msg: ConsumeMessage, d: Disposition): void {
    if (!c.open) {
      // Unacked on a closed channel: the broker delivers it again.
      log.warn({ action: d.action }, 'channel closed before the message was settled; redelivered');
      return;
    }
    try {
      if (d.action === 'ack') c.channel.ack(msg);
      else c.channel.nack(msg, false, d.action === 'retry');
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'could not settle a message; the broker redelivers it');
    }
  }

  async function process(c: Consuming, msg: ConsumeMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let d: Disposition;
      try {
        d = await o.handle(msg);
      } catch (err) {
        d = { action: 'retry', reason: errorMessage(err) };
      }
      if (d.action !== 'retry' || stopping || !c.open) return settle(c, msg, d);
      await pause(backoff(attempt));
    }
  }

  function track(p: Promise<void>): void {
    const tracked = p.catch((err) =>
      log.error({ err: errorMessage(err), queue: o.queue }, 'handling a message failed'),
    );
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  }

  const keeper = new ChannelKeeper<Consuming>({
    name: `${o.name} channel`,
    log,
    declare: o.declare,
    reopenDelayMs: o.reopenDelayMs ?? 1000,
    async open(model) {
      const c: Consuming = { channel: await model.createChannel(), open: true };
      c.channel.on('close', () => (c.open = false));
      await c.channel.prefetch(o.prefetch);
      const { consumerTag } = await c.channel.consume(
        o.queue,
        (msg) => {
          if (msg === null) {
            // The broker cancelled us (queue deleted): the next channel declares it again.
            log.warn({ queue: o.queue }, `${o.name} consumer cancelled by the broker`);
            c.channel.close().catch(() => {});
            return;
          }
          track(process(c, msg));
        },
        { noAck: false },
      );
      c.tag = consumerTag;
      return c;
    },
    opened: () => log.info({ queue: o.queue, prefetch: o.prefetch }, `consuming ${o.what}`),
  });

  return {
    setup: keeper.setup,
    consuming: () => keeper.current?.open === true,
    stop() {
      return (stopped ??= keeper.close(async (c) => {
        stopping = true;
        // Cancelling stops new deliveries; the unacked ones in hand are finished below.
        if (c?.open && c.tag) await c.channel.cancel(c.tag).catch(() => {});
        for (const wake of [...sleepers]) wake();
        await Promise.allSettled([...inFlight]);
        if (c?.open) await c.channel.close().catch(() => {});
      }));
    },
  };
}
