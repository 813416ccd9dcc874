import type { ConfirmChannel, Message } from 'amqplib';

/** One message to publish; its messageId is the JobRequest's request_id. */
export interface OutgoingMessage {
  messageId: string;
  body: Buffer;
  /** AMQP headers, e.g. why a message was dead-lettered. */
  headers?: Record<string, string>;
}

/**
 * What the broker said: `confirmed` is the only success. `returned`: acked but unroutable;
 * `nacked`: the broker refused it; `timeout`: no confirm in time (unknown: publish again);
 * `closed`: the channel closed first (unknown too).
 */
export type PublishOutcome = 'confirmed' | 'returned' | 'nacked' | 'timeout' | 'closed';

export interface PublishResult {
  outcome: PublishOutcome;
  /** From publish to the broker's answer (or to giving up). */
  seconds: number;
  reason?: string;
}

export interface ConfirmPublisherOptions {
  exchange: string;
  routingKey: string;
  /** The AMQP `type` property, e.g. `jobrequest.v1`. */
  type: string;
  confirmTimeoutMs: number;
}

type Settle = (result: Omit<PublishResult, 'seconds'>) => void;

/**
 * Publishes batches on one ConfirmChannel and tells, per message, whether the broker took
 * it: persistent, mandatory (an unroutable message comes back as basic.return before its
 * ack), waiting for `drain` when the socket buffer is full, and bounding the wait for
 * confirms (they can hang until a heartbeat notices a dead socket: amqplib #191, #530).
 */
export class ConfirmPublisher {
  /** Returned message ids not yet matched with their ack (counts: an id may repeat). */
  private readonly returned = new Map<string, number>();
  private closedBecause: string | undefined;
  private readonly onClose = new Set<() => void>();
  /** publish() said the socket buffer is full: wait for `drain` before publishing more. */
  private full = false;

  constructor(
    readonly channel: ConfirmChannel,
    private readonly o: ConfirmPublisherOptions,
  ) {
    channel.on('return', (msg: Message) => {
      const id = msg.properties.messageId as unknown;
      if (typeof id === 'string') this.returned.set(id, (this.returned.get(id) ?? 0) + 1);
    });
    channel.on('drain', () => {
      this.full = false;
    });
    channel.on('error', (err: Error) => {
      this.closedBecause ??= err.message;
    });
    channel.on('close', () => {
      this.closedBecause ??= 'channel closed';
      for (const wake of this.onClose) wake();
    });
  }

  get open(): boolean {
    return this.closedBecause === undefined;
  }

  /** Publishes every message, then waits for each one's confirm; one result per message. */
  async publishBatch(messages: OutgoingMessage[]): Promise<PublishResult[]> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const settles: (Settle | undefined)[] = [];
    const results = messages.map(
      (_, i) =>
        new Promise<PublishResult>((resolve) => {
          settles[i] = (r) => {
            settles[i] = undefined;
            resolve({ ...r, seconds: seconds() });
          };
        }),
    );
    const settle = (i: number, r: Omit<PublishResult, 'seconds'>) => settles[i]?.(r);
    const timestamp = Math.floor(Date.now() / 1000);

    for (let i = 0; i < messages.length; i++) {
      if (this.full && this.open && !(await this.drained())) {
        const reason = this.open
          ? `no drain within ${this.o.confirmTimeoutMs} ms (is the broker blocking publishers?)`
          : this.closedBecause;
        for (let j = i; j < messages.length; j++)
          settle(j, { outcome: this.open ? 'timeout' : 'closed', reason });
        break;
      }
      if (!this.open) {
        settle(i, { outcome: 'closed', reason: this.closedBecause });
        continue;
      }
      const m = messages[i]!;
      try {
        this.full = !this.channel.publish(
          this.o.exchange,
          this.o.routingKey,
          m.body,
          {
            persistent: true,
            mandatory: true,
            contentType: 'application/json',
            messageId: m.messageId,
            type: this.o.type,
            timestamp,
            ...(m.headers ? { headers: m.headers } : {}),
          },
          (err: Error | null) => settle(i, this.outcomeOf(m.messageId, err)),
        );
      } catch (err) {
        // The channel closed under us: amqplib throws IllegalOperationError.
        settle(i, { outcome: 'closed', reason: (err as Error).message });
      }
    }

    const timer = setTimeout(() => {
      for (let i = 0; i < settles.length; i++) {
        settle(i, {
          outcome: 'timeout',
          reason: `no confirm within ${this.o.confirmTimeoutMs} ms`,
        });
      }
    }, this.o.confirmTimeoutMs);
    try {
      return await Promise.all(results);
    } finally {
      clearTimeout(timer);
    }
  }

  private outcomeOf(messageId: string, err: Error | null): Omit<PublishResult, 'seconds'> {
    if (err) {
      return err.message === 'channel closed'
        ? { outcome: 'closed', reason: err.message }
        : { outcome: 'nacked', reason: err.message };
    }
    const returns = this.returned.get(messageId) ?? 0;
    if (returns > 0) {
      if (returns === 1) this.returned.delete(messageId);
      else this.returned.set(messageId, returns - 1);
      return {
        outcome: 'returned',
        reason: `unroutable: no queue is bound to exchange '${this.o.exchange}' with routing key '${this.o.routingKey}'`,
      };
    }
    return { outcome: 'confirmed' };
  }

  /** true once the channel drained; false when it closed or no drain came in time. */
  private drained(): Promise<boolean> {
    if (!this.full) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.channel.off('drain', onDrain);
        this.onClose.delete(onClosed);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClosed = () => done(false);
      const timer = setTimeout(() => done(false), this.o.confirmTimeoutMs);
      this.channel.on('drain', onDrain);
      this.onClose.add(onClosed);
    });
  }
}
