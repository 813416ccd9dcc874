import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';

/** What the keeper holds: anything built on one channel (a confirm publisher, a consumer). */
export interface OnChannel {
  readonly channel: Channel;
}

export interface ChannelKeeperOptions<C extends OnChannel> {
  /** How the logs name the channel: `confirm channel`, `results channel`. */
  name: string;
  log: Logger;
  /**
   * Declares the topology, on a throwaway channel after every (re)connect: a refused declare
   * closes that channel, never the kept one.
   */
  declare: (ch: Channel) => Promise<void>;
  /** Opens the kept channel on a live connection, once the topology is declared. */
  open: (model: ChannelModel) => Promise<C>;
  /** Called once the channel is kept (open logs go here). */
  opened?: (kept: C) => void;
  /** A refused declare that no retry can fix: the line that says what to fix, else undefined. */
  refusal?: (err: unknown) => string | undefined;
  onRefused?: (line: string) => void;
  /** First wait before opening a channel again on a live connection (doubles up to 10 s). */
  reopenDelayMs: number;
}

const MAX_REOPEN_DELAY_MS = 10_000;

/**
 * Keeps one channel open on a recovering AMQP connection: `setup` (for connectAmqp) declares
 * the topology and opens it after every (re)connect; a channel the broker closes while the
 * connection lives (a channel error, a cancelled consumer, a stuck publisher) is opened again
 * after a back-off. connectAmqp's recovery handles a lost connection; this, a lost channel.
 */
export class ChannelKeeper<C extends OnChannel> {
  private kept: C | undefined;
  private model: ChannelModel | undefined;
  private closing = false;
  private opening = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenDelay: number;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: ChannelKeeperOptions<C>) {
    this.reopenDelay = o.reopenDelayMs;
  }

  /** For connectAmqp: runs after each (re)connect with the fresh connection. */
  readonly setup = async (model: ChannelModel): Promise<void> => {
    this.model = model;
    model.once('close', () => {
      if (this.model === model) this.model = undefined;
    });
    try {
      await this.open(model);
    } catch (err) {
      // connectAmqp's recovery closes this connection and connects again.
      if (this.model === model) this.model = undefined;
      throw err;
    }
  };

  /** The channel kept now, if one is open. */
  get current(): C | undefined {
    return this.kept;
  }

  /** Resolves once a channel is kept, or when the keeper closes or `stopping()` says stop. */
  async waitForOpen(stopping: () => boolean, waitingLine: string): Promise<void> {
    let logged = false;
    while (!this.kept && !this.closing && !stopping()) {
      if (!logged) this.o.log.info(waitingLine);
      logged = true;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        // Polls too, so a stopping reader is noticed while the broker is away.
        const timer = setTimeout(wake, 200);
        this.waiters.add(wake);
      });
    }
  }

  /** Stops keeping `kept` (it misbehaves; the caller closes it) and opens another. */
  replace(kept: C): void {
    if (this.kept !== kept) return;
    this.kept = undefined;
    this.scheduleReopen();
  }

  /**
   * Stops keeping channels: nothing is opened again from now on, then `finish` gets the kept
   * channel (undefined when none is open) to drain and close. Idempotent.
   */
  async close(finish: (kept: C | undefined) => Promise<void>): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.reopenTimer);
    for (const wake of [...this.waiters]) wake();
    const kept = this.kept;
    try {
      await finish(kept);
    } finally {
      this.kept = undefined;
    }
  }

  private async open(model: ChannelModel): Promise<void> {
    this.opening = true;
    try {
      await this.declareOn(model);
      const kept = await this.o.open(model);
      const { channel } = kept;
      channel.on('error', (err: Error) =>
        this.o.log.warn({ err: err.message }, `${this.o.name} error`),
      );
      channel.on('close', () => {
        if (this.kept !== kept || this.closing) return;
        this.o.log.warn(`${this.o.name} closed`);
        this.replace(kept);
      });
      if (this.closing) {
        await channel.close().catch(() => undefined);
        return;
      }
      this.kept = kept;
      this.reopenDelay = this.o.reopenDelayMs;
      this.o.opened?.(kept);
      for (const wake of [...this.waiters]) wake();
    } finally {
      this.opening = false;
    }
  }

  private async declareOn(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    // The broker closes the channel on a refused declare; the rejected call carries the reason.
    ch.on('error', () => undefined);
    try {
      await this.o.declare(ch);
    } catch (err) {
      const line = this.o.refusal?.(err);
      if (line === undefined) throw err;
      this.o.onRefused?.(line);
      throw new Error(line);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  private scheduleReopen(): void {
    if (this.closing || this.reopenTimer) return;
    const delay = this.reopenDelay;
    this.reopenDelay = Math.min(delay * 2, MAX_REOPEN_DELAY_MS);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      const model = this.model;
      // Without a live connection, connectAmqp's recovery reconnects and calls setup.
      if (this.closing || !model || this.kept || this.opening) return;
      this.open(model).catch((err: unknown) => {
        this.o.log.warn({ err: errorMessage(err) }, `opening the ${this.o.name} failed; retrying`);
        this.scheduleReopen();
      });
    }, delay);
    this.reopenTimer.unref();
  }
}
