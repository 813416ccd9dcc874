import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { ChannelKeeper } from './channel-keeper.js';
import { ConfirmPublisher, type OutgoingMessage, type PublishResult } from './confirm-publisher.js';

export interface PublishingLinkOptions {
  exchange: string;
  routingKey: string;
  /** The AMQP `type` of every message. */
  messageType: string;
  confirmTimeoutMs: number;
  /** Declares where the messages go (idempotently), after every (re)connect. */
  declare: (ch: Channel) => Promise<void>;
  /** A refused declare no retry can fix: the line that says what to fix, else undefined. */
  refusal?: (err: unknown) => string | undefined;
  /** The broker refuses the topology for good: `line` says what to fix. */
  onFatal?: (line: string) => void;
  log: Logger;
  /** Shown on the `confirm channel open` line. */
  logFields?: Record<string, string>;
  /** First wait before opening a channel again on a live connection (doubles to 10 s). */
  reopenDelayMs?: number;
}

/**
 * Why a batch's results call for another channel, if they do. Confirms that time out may mean
 * a dead socket or a stuck channel. A batch the broker nacked whole may mean a channel that
 * will be refused from now on: RabbitMQ 3.10 nacks every publish of a channel that first
 * published to a quorum queue while the queue was electing a leader (its node just lost),
 * long after the new leader took over, while a channel opened afterwards publishes; seen in
 * test/failover/rabbitmq-cluster.test.ts. A broker refusing for good (a full queue with
 * `reject-publish`) costs a channel open per such batch, each after the reopen delay.
 */
function replaceBecause(results: PublishResult[]): string | undefined {
  if (results.some((r) => r.outcome === 'timeout')) return 'confirms timed out';
  if (results.length > 0 && results.every((r) => r.outcome === 'nacked'))
    return 'the broker nacked the whole batch';
  return undefined;
}

/**
 * The publishing side of one AMQP connection: a ConfirmChannel kept open (ChannelKeeper:
 * declared and opened again after every reconnect, replaced when the broker closes it) and
 * replaced when its confirms time out or the broker nacks a whole batch (replaceBecause).
 */
export class PublishingLink {
  private readonly keeper: ChannelKeeper<ConfirmPublisher>;

  constructor(private readonly o: PublishingLinkOptions) {
    this.keeper = new ChannelKeeper({
      name: 'confirm channel',
      log: o.log,
      declare: o.declare,
      refusal: o.refusal,
      onRefused: o.onFatal,
      reopenDelayMs: o.reopenDelayMs ?? 500,
      open: async (model: ChannelModel) =>
        new ConfirmPublisher(await model.createConfirmChannel(), {
          exchange: o.exchange,
          routingKey: o.routingKey,
          type: o.messageType,
          confirmTimeoutMs: o.confirmTimeoutMs,
        }),
      opened: () => o.log.info({ exchange: o.exchange, ...o.logFields }, 'confirm channel open'),
    });
  }

  /** For connectAmqp: runs after each (re)connect with the fresh connection. */
  get setup(): (model: ChannelModel) => Promise<void> {
    return this.keeper.setup;
  }

  /** A confirm channel is open. */
  get isOpen(): boolean {
    return this.keeper.current?.open === true;
  }

  /** Resolves once a confirm channel is open, or when the link or `stopping()` says stop. */
  waitForChannel(stopping: () => boolean = () => false): Promise<void> {
    return this.keeper.waitForOpen(
      stopping,
      'waiting for a confirm channel before reading more entries',
    );
  }

  /** Publishes on the open channel; with none open, every message fails as `closed`. */
  async publishBatch(messages: OutgoingMessage[]): Promise<PublishResult[]> {
    const publisher = this.keeper.current;
    if (!publisher?.open) {
      return messages.map(() => ({
        outcome: 'closed',
        seconds: 0,
        reason: 'no confirm channel open',
      }));
    }
    const results = await publisher.publishBatch(messages);
    const why = replaceBecause(results);
    if (why !== undefined && this.keeper.current === publisher) {
      this.o.log.warn(`${why}; replacing the confirm channel`);
      this.keeper.replace(publisher);
      publisher.channel.close().catch(() => undefined);
    }
    return results;
  }

  /** Closes the publishing channel (after the runner finished its batch). Idempotent. */
  close(): Promise<void> {
    return this.keeper.close(async (publisher) => {
      if (!publisher?.open) return;
      // A dead socket never answers channel.close; the connection close that follows ends it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        publisher.channel.close(),
        new Promise((resolve) => (timer = setTimeout(resolve, this.o.confirmTimeoutMs))),
      ]).finally(() => clearTimeout(timer));
    });
  }
}
