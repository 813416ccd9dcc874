import { errorMessage, type ChannelModel, type Logger } from '@solstice/shared';
import { ConfirmPublisher, type OutgoingMessage, type PublishResult } from './confirm-publisher.js';
import { explainPreconditionFailed } from './explain-precondition.js';
import { declareJobsTopology, type JobsTopology } from './topology.js';

export interface PublishingLinkOptions {
  topology: JobsTopology;
  /** The AMQP `type` of every message. */
  messageType: string;
  confirmTimeoutMs: number;
  log: Logger;
  /** The broker refuses the topology for good (406): `line` says what to fix. */
  onFatal: (line: string) => void;
  /** First wait before opening a channel again on a live connection (doubles to 10 s). */
  reopenDelayMs?: number;
}

const MAX_REOPEN_DELAY_MS = 10_000;

/**
 * The publisher's side of one AMQP connection: after every (re)connect (`setup`, for
 * connectAmqp) it declares the topology on a throwaway channel, so a refused declare cannot
 * kill the publishing channel, then opens a fresh ConfirmChannel. A channel the broker closes
 * on a live connection, or one whose confirms timed out, is replaced.
 */
export class PublishingLink {
  private publisher: ConfirmPublisher | undefined;
  private model: ChannelModel | undefined;
  private closing = false;
  private opening = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenDelay: number;
  private readonly waiters = new Set<() => void>();
  private readonly log: Logger;

  constructor(private readonly o: PublishingLinkOptions) {
    this.log = o.log;
    this.reopenDelay = o.reopenDelayMs ?? 500;
  }

  /** For connectAmqp: runs after each (re)connect with the fresh connection. */
  readonly setup = async (model: ChannelModel): Promise<void> => {
    this.model = model;
    model.once('close', () => {
      if (this.model === model) this.model = undefined;
    });
    await this.open(model);
  };

  /** A confirm channel is open. */
  get isOpen(): boolean {
    return this.publisher?.open === true;
  }

  /** Resolves once a confirm channel is open, or when the link or `stopping()` says stop. */
  async waitForChannel(stopping: () => boolean = () => false): Promise<void> {
    let logged = false;
    while (!this.isOpen && !this.closing && !stopping()) {
      if (!logged) this.log.info('waiting for a confirm channel before reading more entries');
      logged = true;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        // Polls too, so a stopping runner is noticed while the broker is away.
        const timer = setTimeout(wake, 200);
        this.waiters.add(wake);
      });
    }
  }

  /** Publishes on the open channel; with none open, every message fails as `closed`. */
  async publishBatch(messages: OutgoingMessage[]): Promise<PublishResult[]> {
    const publisher = this.publisher;
    if (!publisher?.open) {
      return messages.map(() => ({
        outcome: 'closed',
        seconds: 0,
        reason: 'no confirm channel open',
      }));
    }
    const results = await publisher.publishBatch(messages);
    if (results.some((r) => r.outcome === 'timeout') && this.publisher === publisher) {
      // A confirm that never came may mean a dead socket or a stuck channel: start afresh.
      this.log.warn('confirms timed out; replacing the confirm channel');
      this.replace(publisher);
      publisher.channel.close().catch(() => undefined);
    }
    return results;
  }

  /** Closes the publishing channel (after the runner finished its batch). Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reopenTimer);
    for (const wake of [...this.waiters]) wake();
    const publisher = this.publisher;
    this.publisher = undefined;
    if (!publisher?.open) return;
    // A dead socket never answers channel.close; the connection close that follows ends it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      publisher.channel.close(),
      new Promise((resolve) => (timer = setTimeout(resolve, this.o.confirmTimeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  private async open(model: ChannelModel): Promise<void> {
    this.opening = true;
    try {
      await this.openOn(model);
    } finally {
      this.opening = false;
    }
  }

  private async openOn(model: ChannelModel): Promise<void> {
    await this.declare(model);
    const channel = await model.createConfirmChannel();
    const publisher = new ConfirmPublisher(channel, {
      exchange: this.o.topology.exchange,
      routingKey: this.o.topology.routingKey,
      type: this.o.messageType,
      confirmTimeoutMs: this.o.confirmTimeoutMs,
    });
    channel.on('error', (err: Error) =>
      this.log.warn({ err: err.message }, 'confirm channel error'),
    );
    channel.on('close', () => {
      if (this.publisher !== publisher || this.closing) return;
      this.log.warn('confirm channel closed');
      this.replace(publisher);
    });
    if (this.closing) {
      await channel.close().catch(() => undefined);
      return;
    }
    this.publisher = publisher;
    this.reopenDelay = this.o.reopenDelayMs ?? 500;
    this.log.info(
      { exchange: this.o.topology.exchange, queue: this.o.topology.queue },
      'confirm channel open',
    );
    for (const wake of [...this.waiters]) wake();
  }

  private async declare(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    // The broker closes the channel on a refused declare; the rejected call carries the reason.
    ch.on('error', () => undefined);
    try {
      await declareJobsTopology(ch, this.o.topology);
    } catch (err) {
      const line = explainPreconditionFailed(errorMessage(err), this.o.topology);
      if (line) {
        this.o.onFatal(line);
        throw new Error(line);
      }
      throw err;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Drops `publisher` and opens a new channel on the connection while it lives. */
  private replace(publisher: ConfirmPublisher): void {
    if (this.publisher !== publisher) return;
    this.publisher = undefined;
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closing || this.reopenTimer) return;
    const delay = this.reopenDelay;
    this.reopenDelay = Math.min(delay * 2, MAX_REOPEN_DELAY_MS);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      const model = this.model;
      // Without a live connection, connectAmqp's recovery reconnects and calls setup.
      if (this.closing || !model || this.isOpen || this.opening) return;
      this.open(model).catch((err: unknown) => {
        this.log.warn({ err: errorMessage(err) }, 'opening a confirm channel failed; retrying');
        this.scheduleReopen();
      });
    }, delay);
    this.reopenTimer.unref();
  }
}
