import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage, isPermanent, RetryLater } from '../errors.js';
import { aliveKeyOf, deadStreamOf, errorsKeyOf } from '../keys.js';
import type { Metrics } from '../metrics.js';
import { claimOne, reclaimOwn } from './claims.js';
import type { DeadBounds } from './dead-bounds.js';
import { Heartbeat } from './heartbeat.js';
import { deadLetterEntry } from './dead-letter-entry.js';
import { ackAndAdd, isRefusal, type Output } from './scripts.js';
import { fieldsToObject } from './stream-ids.js';
import { streamUpkeep } from './stream-upkeep.js';
import type { TrimPolicy } from './trim.js';

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
  /** Last resort: entries of a LIVE copy idle this long are taken (it seems hung). */
  claimMinIdleMs: number;
  /** How often to look for entries to take over or retry. */
  claimIntervalMs: number;
  /** A failed entry (still pending here) is handled again once idle this long, doubled per delivery. */
  retryMinIdleMs?: number;
  /** Heartbeat period and lifetime; a dead copy's entries are taken once its TTL is over. */
  heartbeatIntervalMs?: number;
  heartbeatTtlMs?: number;
  maxDeliveries: number;
  /** Bounds of the dead stream. */
  dead?: DeadBounds;
  trim?: TrimPolicy;
  metrics?: Metrics;
  /** Awaited before every read: a stage that cannot deliver its output stops reading here. */
  beforeRead?: () => Promise<void>;
}

type RawEntry = [string, string[] | null];

/** The defaults of the optional timings, as readStageSettings has them. */
export const RUNNER_DEFAULTS = {
  retryMinIdleMs: 10_000,
  heartbeatIntervalMs: 1000,
  heartbeatTtlMs: 5000,
  dead: { maxLen: 100_000, maxAgeMs: 14 * 24 * 3600 * 1000 },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one stream consumer of every stage: XREADGROUP in batches, handle, then ack and add
 * outputs atomically; keep a heartbeat, and take over the entries of a consumer whose
 * heartbeat expired one at a time (a crasher among them dead-letters only itself);
 * dead-letter an entry after `maxDeliveries` or at once on a PermanentError; stop after
 * the batch in hand.
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
  private readonly aliveKey: string;
  private readonly heartbeat: Heartbeat;
  private readonly t: Required<
    Pick<StageRunnerOptions, 'retryMinIdleMs' | 'heartbeatIntervalMs' | 'heartbeatTtlMs' | 'dead'>
  >;
  /** Entries read or claimed and not yet committed: never claimed again meanwhile. */
  private readonly inHand = new Set<string>();
  /** Entries left pending by a RetryLater, and when to handle them again (epoch ms). */
  private readonly notBefore = new Map<string, number>();
  /** Entries whose commit failed after stop(): they stay pending in Redis. */
  private readonly notCommitted = new Set<string>();
  /** The reader's CLIENT ID (it changes on a reconnect), to end its blocked read at stop(). */
  private readerId: number | undefined;
  private readonly askReaderId = () => {
    this.o.reader.call('CLIENT', 'ID').then(
      (id) => (this.readerId = Number(id)),
      () => undefined,
    );
  };

  constructor(private readonly o: StageRunnerOptions) {
    this.deadStream = deadStreamOf(o.stream);
    this.errorsKey = errorsKeyOf(o.stream, o.group);
    this.aliveKey = aliveKeyOf(o.stream, o.group);
    this.t = {
      retryMinIdleMs: o.retryMinIdleMs ?? RUNNER_DEFAULTS.retryMinIdleMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? RUNNER_DEFAULTS.heartbeatIntervalMs,
      heartbeatTtlMs: o.heartbeatTtlMs ?? RUNNER_DEFAULTS.heartbeatTtlMs,
      dead: o.dead ?? RUNNER_DEFAULTS.dead,
    };
    this.heartbeat = new Heartbeat(
      o.redis,
      this.aliveKey,
      o.consumer,
      this.t.heartbeatIntervalMs,
      this.t.heartbeatTtlMs,
      o.log,
    );
  }

  /** Starts the loop; the promise settles when the runner has stopped. */
  start(): Promise<void> {
    if (!this.loop) {
      this.o.reader.on('ready', this.askReaderId);
      if (this.o.reader.status === 'ready') this.askReaderId();
      this.loop = this.run().finally(() => this.o.reader.off('ready', this.askReaderId));
    }
    return this.loop;
  }

  /**
   * Stops reading (no read starts after this, and a blocked one is ended at once), finishes
   * and commits the batch in hand. Idempotent. Unbounded by itself: a Redis that is away
   * holds it; the Lifecycle gives it SHUTDOWN_LIMITS.drainMs, then asks pendingIds().
   */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.unblockRead();
    }
    await this.loop;
  }

  /**
   * CLIENT UNBLOCK … TIMEOUT: the reader's XREADGROUP … BLOCK returns as if its time ran out,
   * with what it had read (nothing is lost). Without it a stop waits up to STAGE_BLOCK_MS;
   * that is also what happens when the ACL refuses CLIENT or Redis is away.
   */
  private unblockRead(): void {
    if (this.readerId === undefined) return;
    this.o.redis.call('CLIENT', 'UNBLOCK', this.readerId, 'TIMEOUT').catch(() => undefined);
  }

  /**
   * The entries this copy holds and has not committed: read or claimed and still in hand, or
   * whose commit failed after stop(). They stay pending in Redis under this consumer.
   */
  pendingIds(): string[] {
    return [...new Set([...this.inHand, ...this.notCommitted])];
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
    while (!this.stopping) {
      try {
        // Alive before the first read: no other copy may take what this one reads.
        if (!this.heartbeat.started) await this.heartbeat.start();
        if (needGroup) {
          await this.ensureGroup();
          needGroup = false;
        }
        if (this.o.beforeRead) await this.o.beforeRead();
        if (this.stopping) break;
        await this.maybeUpkeep();
        if (Date.now() - this.lastClaim >= this.o.claimIntervalMs) {
          const more = await this.claimPass();
          await this.observe();
          this.lastClaim = more ? 0 : Date.now();
        }
        if (historyCursor !== undefined) {
          // Our own pending entries after a restart under the same name: one at a time, as
          // one of them may be what killed the last run.
          const raw = await this.read(historyCursor, false, 1);
          if (raw.length === 0) historyCursor = undefined;
          else {
            historyCursor = raw[raw.length - 1]![0];
            await this.process(raw, true);
            await this.committing;
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
      await this.process(last, false).catch((err: unknown) => {
        for (const [id] of last) this.notCommitted.add(id);
        log.error({ err: errorMessage(err) }, 'last batch failed; it stays pending');
      });
    await this.committing;
    await this.heartbeat.stop();
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

  private async read(id: string, block: boolean, count = this.o.batchSize): Promise<RawEntry[]> {
    const { reader, group, consumer, stream, blockMs } = this.o;
    if (block && this.stopping) return []; // stopped: no new read
    const args: (string | number)[] = ['GROUP', group, consumer, 'COUNT', count];
    if (block) args.push('BLOCK', blockMs);
    args.push('STREAMS', stream, id);
    const reply = (await (
      reader as unknown as { xreadgroup: (...a: unknown[]) => Promise<unknown> }
    ).xreadgroup(...args)) as [string, RawEntry[]][] | null;
    const raw = reply?.[0]?.[1] ?? [];
    for (const [entryId] of raw) this.inHand.add(entryId);
    return raw;
  }

  /**
   * Our own failed entries once idle past RETRY_MIN_IDLE_MS, as a batch; then the entries of
   * dead consumers (or hung ones), one at a time, each committed before the next. True when
   * there may be more to take (the next pass comes at once).
   */
  private async claimPass(): Promise<boolean> {
    const { redis, stream, group, consumer, batchSize, log, metrics } = this.o;
    const own = await reclaimOwn(
      redis,
      stream,
      group,
      consumer,
      this.t.retryMinIdleMs,
      batchSize,
      this.inHand,
      this.notBefore,
    );
    for (const [id] of own.raw) this.notBefore.delete(id);
    if (own.raw.length > 0) {
      for (const [id] of own.raw) this.inHand.add(id);
      metrics?.entriesClaimed.inc({ stream, reason: 'retry' }, own.raw.length);
      await this.process(own.raw, true, own.deliveries);
    }
    // After an outage of our own, the others' heartbeats may not be back yet.
    if (!this.heartbeat.steady()) return false;
    const taken = new Map<string, number>();
    for (let n = 0; n < batchSize; n++) {
      if (this.stopping) return false;
      const c = await claimOne(
        redis,
        stream,
        this.aliveKey,
        group,
        consumer,
        this.t.heartbeatTtlMs,
        this.o.claimMinIdleMs,
      );
      if (!c) break;
      const label = `${c.from} (${c.why})`;
      taken.set(label, (taken.get(label) ?? 0) + 1);
      metrics?.entriesClaimed.inc({ stream, reason: c.why });
      this.inHand.add(c.id);
      await this.process([[c.id, c.fields]], true, new Map([[c.id, c.deliveries]]));
      await this.committing;
    }
    const count = [...taken.values()].reduce((a, b) => a + b, 0);
    if (count > 0)
      log.info(
        { stream, count, from: Object.fromEntries(taken) },
        'took over the pending entries of consumers without a heartbeat (dead) or idle past CLAIM_MIN_IDLE_MS (hung), one at a time',
      );
    return count === batchSize;
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

  private async process(
    raw: RawEntry[],
    fromPending: boolean,
    knownCounts?: Map<string, number>,
  ): Promise<void> {
    const ids = raw.map(([id]) => id);
    let committed = false;
    try {
      await this.handleAndCommit(raw, fromPending, knownCounts);
      committed = true;
    } finally {
      // Released once committed (or failed): a failed entry is then retried after its idle.
      const release = () => ids.forEach((id) => this.inHand.delete(id));
      if (committed) void this.committing.finally(release);
      else release();
    }
  }

  private async handleAndCommit(
    raw: RawEntry[],
    fromPending: boolean,
    knownCounts?: Map<string, number>,
  ): Promise<void> {
    const { stream, redis, group, metrics, log } = this.o;
    const started = process.hrtime.bigint();
    const gone = raw.filter(([, f]) => f === null).map(([id]) => id);
    if (gone.length > 0) {
      await redis.xack(stream, group, ...gone);
      await redis.hdel(this.errorsKey, ...gone);
      log.warn({ stream, ids: gone }, 'pending entries no longer in the stream were acked');
    }
    const present = raw.filter((r): r is [string, string[]] => r[1] !== null);
    const counts =
      knownCounts ??
      (fromPending ? await this.deliveryCounts(present.map(([id]) => id)) : undefined);
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
        // Left pending. A RetryLater (a rate limit) is not waited for here: the rest of the
        // batch goes on, and the claim pass brings it back after its time.
        const later = outcome.error instanceof RetryLater ? outcome.error : undefined;
        if (later) this.notBefore.set(entry.id, later.untilMs);
        const err = errorMessage(outcome.error);
        metrics?.entriesHandled.inc({ stream, outcome: later ? 'deferred' : 'retry' });
        log.warn(
          later
            ? { stream, id: entry.id, until: new Date(later.untilMs).toISOString(), err }
            : { stream, id: entry.id, deliveries: entry.deliveries, err },
          later
            ? 'entry deferred: it stays pending and is handled again after that time (not counted as a delivery)'
            : 'entry failed; it stays pending and is handled again after RETRY_MIN_IDLE_MS',
        );
        await redis.hset(this.errorsKey, entry.id, err.slice(0, 2000));
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
      if (this.stopping) for (const d of done) this.notCommitted.add(d.id);
      log.error(
        { stream, err: errorMessage(err), entries: done.length },
        isRefusal(err)
          ? 'commit refused before any write: no entry acked, no output added; they stay pending and are handled again after RETRY_MIN_IDLE_MS'
          : 'commit failed: the entries it did not ack stay pending and are handled again after RETRY_MIN_IDLE_MS (a commit sent again cannot add outputs twice)',
      );
    });
  }

  private toDead(entry: StreamEntry, reason: string): Promise<void> {
    return deadLetterEntry(
      { ...this.o, deadStream: this.deadStream, errorsKey: this.errorsKey, bounds: this.t.dead },
      entry,
      reason,
    );
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

  /** Every TRIM_INTERVAL_MS: see streamUpkeep. */
  private async maybeUpkeep(): Promise<void> {
    const intervalMs = this.o.trim?.intervalMs ?? 60_000;
    if (Date.now() - this.lastTrim < intervalMs) return;
    this.lastTrim = Date.now();
    await streamUpkeep({
      ...this.o,
      deadStream: this.deadStream,
      errorsKey: this.errorsKey,
      aliveKey: this.aliveKey,
      deadMaxAgeMs: this.t.dead.maxAgeMs,
      consumerGraceMs: 2 * this.t.heartbeatTtlMs,
    });
  }
}
