import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { errorMessage, type Logger } from '@solstice/shared';
import type { Disposition } from '../handle-result-message.js';
import { declareResultsTopology, type ResultsTopology } from './results-topology.js';

export interface ResultsConsumerOptions {
  topology: ResultsTopology;
  /** Never throws (handleResultMessage). */
  handle: (msg: ConsumeMessage) => Promise<Disposition>;
  log: Logger;
  retry: { baseMs: number; maxMs: number };
  reopenDelayMs?: number;
}

export interface ResultsConsumer {
  /** connectAmqp's setup: runs after every (re)connect, declares and consumes again. */
  setup(model: ChannelModel): Promise<void>;
  /** Cancels the consumer, lets in-flight results finish, closes the channel. Idempotent. */
  stop(): Promise<void>;
  consuming(): boolean;
}

interface Consuming {
  ch: Channel;
  open: boolean;
  tag?: string;
}

/**
 * Consumes JobResults with manual acks, each settled once on the channel it came from:
 * ack when shown, nack without requeue (→ DLQ) when it never can be, and a retry with
 * back-off meanwhile (the message stays unacked, so nothing is lost if the process dies).
 */
export function createResultsConsumer(o: ResultsConsumerOptions): ResultsConsumer {
  const log = o.log;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let current: Consuming | undefined;
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
      // Unacked on a closed channel: the broker delivers it again (the record makes that harmless).
      log.warn({ action: d.action }, 'channel closed before the result was settled; redelivered');
      return;
    }
    try {
      if (d.action === 'ack') c.ch.ack(msg);
      else c.ch.nack(msg, false, d.action === 'retry');
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'could not settle a result; the broker redelivers it');
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
      log.error({ err: errorMessage(err) }, 'result handling failed'),
    );
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  }

  async function open(model: ChannelModel, conn: { closed: boolean }): Promise<void> {
    const ch = await model.createChannel();
    const c: Consuming = { ch, open: true };
    ch.on('error', (err: Error) => log.warn({ err: err.message }, 'results channel error'));
    ch.on('close', () => {
      c.open = false;
      if (current === c) current = undefined;
      reopenLater(model, conn);
    });
    await declareResultsTopology(ch, o.topology);
    await ch.prefetch(o.topology.prefetch);
    const { consumerTag } = await ch.consume(
      o.topology.queue,
      (msg) => {
        if (msg === null) {
          // The broker cancelled us (queue deleted): a new channel declares it again.
          log.warn({ queue: o.topology.queue }, 'results consumer cancelled by the broker');
          ch.close().catch(() => {});
          return;
        }
        track(process(c, msg));
      },
      { noAck: false },
    );
    c.tag = consumerTag;
    current = c;
    log.info({ queue: o.topology.queue, prefetch: o.topology.prefetch }, 'consuming JobResults');
  }

  /** A channel closed by a channel error while its connection lives: open another one. */
  function reopenLater(model: ChannelModel, conn: { closed: boolean }): void {
    if (stopping || conn.closed) return;
    setTimeout(() => {
      if (stopping || conn.closed || current) return;
      open(model, conn).catch((err) => {
        log.warn({ err: errorMessage(err) }, 'could not reopen the results channel');
        reopenLater(model, conn);
      });
    }, o.reopenDelayMs ?? 1000);
  }

  return {
    async setup(model) {
      const conn = { closed: false };
      model.on('close', () => (conn.closed = true));
      try {
        await open(model, conn);
      } catch (err) {
        conn.closed = true; // recovery closes this connection and connects again
        throw err;
      }
    },
    consuming: () => current?.open === true,
    stop() {
      return (stopped ??= (async () => {
        stopping = true;
        const c = current;
        // Cancelling stops new deliveries; the unacked ones in hand are finished below.
        if (c?.open && c.tag) await c.ch.cancel(c.tag).catch(() => {});
        for (const wake of [...sleepers]) wake();
        await Promise.allSettled([...inFlight]);
        if (c?.open) await c.ch.close().catch(() => {});
      })());
    },
  };
}
