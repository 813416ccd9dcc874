import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage, isPermanent } from '../errors.js';
import { deadStreamOf, errorsKeyOf } from '../keys.js';
import type { Metrics } from '../metrics.js';
import { ackAndAdd, deadLetter, type Output } from './scripts.js';
import { fieldsToObject } from './stream-ids.js';
import { trimStream, type TrimPolicy } from './trim.js';

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
  /** How often the group has delivered this entry (1 on a first read). */
  deliveries: number;
}

/**
 * What became of one entry: its outputs (`filtered`: deliberately nothing to hand on), or
 * the error it failed with.
 */
export type EntryOutcome = { outputs: Output[]; filtered?: boolean } | { error: unknown };

/** Handles a batch; returns one outcome per entry, in order. */
export type BatchHandler = (entries: StreamEntry[]) => Promise<EntryOutcome[]>;

export interface StageRunnerOptions {
  /** Commands (acks, scripts, claims). */
  redis: Redis;
  /** A connection of its own for the blocking XREADGROUP. */
  reader: Redis;
  stream: string;
  group: string;
  consumer: string;
  handle: BatchHandler;
  log: Logger;
  batchSize: number;
  blockMs: number;
  claimMinIdleMs: number;
  claimIntervalMs: number;
  maxDeliveries: number;
  trim?: TrimPolicy;
  metrics?: Metrics;
  /** Awaited before every read: a stage that cannot deliver its output stops reading here. */
  beforeRead?: () => Promise<void>;
}

type RawEntry = [string, string[] | null];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one stream consumer of every stage: XREADGROUP in batches, handle, then ack and add
 * outputs atomically; XAUTOCLAIM entries a dead copy left idle; dead-letter an entry after
 * `maxDeliveries` or at once on a PermanentError; stop after the batch in hand.
 */
export class StageRunner {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private lastClaim = 0;
  private committing: Promise<void> = Promise.resolve();
  private readAhead: Promise<RawEntry[]> | undefined;
  private lastTrim = 0;
  private readonly deadStream: string;
  private readonly errorsKey: string;

  constructor(private readonly o: StageRunnerOptions) {
    this.deadStream = deadStreamOf(o.stream);
    this.errorsKey = errorsKeyOf(o.stream, o.group);
  }

  /** Starts the loop; the promise settles when the runner has stopped. */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  /** Stops reading, finishes and commits the batch in hand. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  async ensureGroup(): Promise<void> {
    try {
      // '0': a group created after the first entries still sees them.
      await this.o.redis.xgroup('CREATE', this.o.stream, this.o.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!errorMessage(err).includes('BUSYGROUP')) throw err;
    }
  }

  private async run(): Promise<void> {
    const { log } = this.o;
    let failures = 0;
    let needGroup = true;
    // Our own pending entries first (a restart with the same consumer name), then new ones.
    let historyCursor: string | undefined = '0';
    this.lastClaim = Date.now(); // the first claim waits one interval: give live copies time to ack
    while (!this.stopping) {
      try {
        if (needGroup) {
          await this.ensureGroup();
          needGroup = false;
        }
        if (this.o.beforeRead) await this.o.beforeRead();
        if (this.stopping) break;
        await this.maybeTrim();
        if (Date.now() - this.lastClaim >= this.o.claimIntervalMs) {
          await this.claimPass();
          await this.observe();
          this.lastClaim = Date.now();
        }
        if (historyCursor !== undefined) {
          const raw = await this.read(historyCursor, false);
          if (raw.length === 0) historyCursor = undefined;
          else {
            historyCursor = raw[raw.length - 1]![0];
            await this.process(raw, true);
          }
        } else {
          const ahead = this.readAhead;
          this.readAhead = undefined;
          const raw = await (ahead ?? this.read('>', true));
          if (raw.length > 0) {
            // A full batch: read the next one while this one is handled, so the round trip to
            // Redis overlaps the work. What it returns is handled even if a stop comes first.
            if (raw.length === this.o.batchSize && !this.stopping) this.readAhead = this.readNext();
            await this.process(raw, false);
          }
        }
        failures = 0;
      } catch (err) {
        failures++;
        const wait = Math.min(100 * 2 ** Math.min(failures, 6), 5000);
        log.error(
          { err: errorMessage(err), stream: this.o.stream, retryInMs: wait },
          'stage loop failed; retrying',
        );
        // The stream or group is gone (a Redis without persistence restarted): create it again.
        if (errorMessage(err).includes('NOGROUP')) {
          needGroup = true;
          historyCursor = '0';
        }
        await sleep(wait);
      }
    }
    const ahead = this.readAhead;
    this.readAhead = undefined;
    const last = ahead ? await ahead.catch(() => [] as RawEntry[]) : [];
    if (last.length > 0)
      await this.process(last, false).catch((err: unknown) =>
        log.error({ err: errorMessage(err) }, 'last batch failed; it stays pending'),
      );
    await this.committing;
    log.info({ stream: this.o.stream }, 'stage runner stopped');
  }

  /** The next batch, read after beforeRead allows it; a failure surfaces where it is awaited. */
  private readNext(): Promise<RawEntry[]> {
    const next = (async () => {
      if (this.o.beforeRead) await this.o.beforeRead();
      return this.read('>', true);
    })();
    next.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
    return next;
  }

  private async read(id: string, block: boolean): Promise<RawEntry[]> {
    const { reader, group, consumer, batchSize, stream, blockMs } = this.o;
    const args: (string | number)[] = ['GROUP', group, consumer, 'COUNT', batchSize];
    if (block) args.push('BLOCK', blockMs);
    args.push('STREAMS', stream, id);
    const reply = (await (
      reader as unknown as { xreadgroup: (...a: unknown[]) => Promise<unknown> }
    ).xreadgroup(...args)) as [string, RawEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /** XAUTOCLAIM from the start of the PEL to the end, handling what it claims. */
  private async claimPass(): Promise<void> {
    const { redis, stream, group, consumer, claimMinIdleMs, batchSize, log } = this.o;
    let cursor = '0-0';
    do {
      const reply = (await redis.xautoclaim(
        stream,
        group,
        consumer,
        claimMinIdleMs,
        cursor,
        'COUNT',
        batchSize,
      )) as [string, RawEntry[], string[]?];
      cursor = reply[0];
      const entries = reply[1];
      const deleted = reply[2] ?? [];
      if (deleted.length > 0) {
        // Redis 7 removes them from the PEL itself; an older server needs the ack.
        await redis.xack(stream, group, ...deleted);
        log.warn(
          { stream, ids: deleted },
          'pending entries were trimmed or deleted before they were handled',
        );
      }
      if (entries.length > 0) {
        this.o.metrics?.entriesClaimed.inc({ stream }, entries.length);
        log.info({ stream, count: entries.length }, 'claimed entries left idle by a consumer');
        await this.process(entries, true);
      }
    } while (cursor !== '0-0' && !this.stopping);
  }

  private async deliveryCounts(ids: string[]): Promise<Map<string, number>> {
    const pipeline = this.o.redis.pipeline();
    for (const id of ids) pipeline.xpending(this.o.stream, this.o.group, id, id, 1);
    const replies = (await pipeline.exec()) ?? [];
    const counts = new Map<string, number>();
    replies.forEach(([err, reply], i) => {
      const row =
        !err && Array.isArray(reply)
          ? (reply[0] as [string, string, number, number] | undefined)
          : undefined;
      counts.set(ids[i]!, row ? Number(row[3]) : 1);
    });
    return counts;
  }

  private async process(raw: RawEntry[], fromPending: boolean): Promise<void> {
    const { stream, redis, group, metrics } = this.o;
    const started = process.hrtime.bigint();
    const gone = raw.filter(([, f]) => f === null).map(([id]) => id);
    if (gone.length > 0) {
      await redis.xack(stream, group, ...gone);
      this.o.log.warn({ stream, ids: gone }, 'pending entries no longer in the stream were acked');
    }
    const present = raw.filter((r): r is [string, string[]] => r[1] !== null);
    const counts = fromPending ? await this.deliveryCounts(present.map(([id]) => id)) : undefined;
    const entries: StreamEntry[] = present.map(([id, flat]) => ({
      id,
      fields: fieldsToObject(flat),
      deliveries: counts?.get(id) ?? 1,
    }));

    const overLimit = entries.filter((e) => e.deliveries > this.o.maxDeliveries);
    for (const entry of overLimit) {
      const last = await redis.hget(this.errorsKey, entry.id);
      await this.toDead(
        entry,
        `delivered ${entry.deliveries} times (MAX_DELIVERIES=${this.o.maxDeliveries}); last error: ${last ?? 'unknown (the consumer died while handling it)'}`,
      );
    }
    const todo = entries.filter((e) => e.deliveries <= this.o.maxDeliveries);
    if (todo.length === 0) return;

    let outcomes: EntryOutcome[];
    try {
      outcomes = await this.o.handle(todo);
      if (outcomes.length !== todo.length)
        throw new Error('handler returned a wrong number of outcomes');
    } catch (err) {
      outcomes = todo.map(() => ({ error: err }));
    }

    const done: { id: string; outputs: Output[] }[] = [];
    for (let i = 0; i < todo.length; i++) {
      const entry = todo[i]!;
      const outcome = outcomes[i]!;
      if ('outputs' in outcome) {
        done.push({ id: entry.id, outputs: outcome.outputs });
        metrics?.entriesHandled.inc({ stream, outcome: outcome.filtered ? 'filtered' : 'ok' });
      } else if (isPermanent(outcome.error)) {
        await this.toDead(entry, errorMessage(outcome.error));
      } else {
        metrics?.entriesHandled.inc({ stream, outcome: 'retry' });
        this.o.log.warn(
          { stream, id: entry.id, deliveries: entry.deliveries, err: errorMessage(outcome.error) },
          'entry failed; it stays pending and is retried after CLAIM_MIN_IDLE_MS',
        );
        await redis.hset(this.errorsKey, entry.id, errorMessage(outcome.error).slice(0, 2000));
      }
    }
    // One commit in flight at a time, in order: this batch's commit runs while the next batch
    // is read and handled, so the stage waits on its broker or GitHub, not on Redis too.
    await this.committing;
    this.committing = (async () => {
      // Chunks keep one script call short: Redis runs nothing else while it runs.
      for (let i = 0; i < done.length; i += 200) {
        await ackAndAdd(redis, stream, group, this.errorsKey, done.slice(i, i + 200));
      }
      metrics?.handlingSeconds.observe({ stream }, Number(process.hrtime.bigint() - started) / 1e9);
    })().catch((err: unknown) => {
      // Nothing was acked that did not also hand on its outputs: the entries stay pending.
      this.o.log.error(
        { stream, err: errorMessage(err) },
        'commit failed; the entries are retried',
      );
    });
  }

  private async toDead(entry: StreamEntry, reason: string): Promise<void> {
    const { redis, stream, group, log, metrics } = this.o;
    const fields = {
      ...entry.fields,
      dead_error: reason.slice(0, 4000),
      dead_source_id: entry.id,
      dead_group: group,
      dead_deliveries: String(entry.deliveries),
      dead_at: new Date().toISOString(),
    };
    const moved = await deadLetter(
      redis,
      stream,
      this.deadStream,
      this.errorsKey,
      group,
      entry.id,
      fields,
    );
    if (moved) {
      metrics?.deadLettered.inc({ stream });
      metrics?.entriesHandled.inc({ stream, outcome: 'dead' });
      log.error(
        { stream, id: entry.id, delivery: entry.fields.delivery, reason },
        'entry dead-lettered',
      );
    }
  }

  /** Lag and pending of this group, for the metrics. */
  private async observe(): Promise<void> {
    const { metrics, redis, stream, group } = this.o;
    if (!metrics) return;
    const groups = (await redis.xinfo('GROUPS', stream)) as string[][];
    for (const flat of groups) {
      const g = fieldsToObject(flat.map(String));
      if (g.name !== group) continue;
      metrics.streamPending.set({ stream, group }, Number(g.pending ?? 0));
      // `lag` is Redis 7+; it is null when Redis cannot tell.
      if (g.lag !== undefined && g.lag !== 'null')
        metrics.streamLag.set({ stream, group }, Number(g.lag));
    }
  }

  private async maybeTrim(): Promise<void> {
    const policy = this.o.trim;
    if (!policy || Date.now() - this.lastTrim < policy.intervalMs) return;
    this.lastTrim = Date.now();
    try {
      const removed = await trimStream(this.o.redis, this.o.stream, policy);
      if (removed > 0) this.o.log.debug({ stream: this.o.stream, removed }, 'stream trimmed');
    } catch (err) {
      this.o.log.warn({ stream: this.o.stream, err: errorMessage(err) }, 'trimming failed');
    }
  }
}
