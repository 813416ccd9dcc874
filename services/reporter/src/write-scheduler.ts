import { randomUUID } from 'node:crypto';
import { errorMessage, type Logger } from '@solstice/shared';
import type { WriterStore } from './adapters/writer-store.js';

export interface WriteSchedulerOptions {
  store: WriterStore;
  /** One turn of an installation's writer, holding its lease. */
  turn: (installation: string, token: string) => Promise<void>;
  /** WRITER_CONCURRENCY: installations this copy writes for at once. */
  concurrency: number;
  /** WRITER_LEASE_MS: renewed while a turn runs; lapses this long after a copy dies. */
  leaseMs: number;
  /** Names this copy in the leases it holds (its consumer name). */
  holder: string;
  log: Logger;
  /** Longest sleep between looks at the schedule (other copies queue work too). */
  pollMs?: number;
}

/**
 * Runs this copy's share of the installation writers: looks at the schedule for installations
 * whose next write may go, takes their leases (one writer per installation across all copies)
 * and runs a turn for each, up to `concurrency` at once, so a busy installation never holds up
 * another. It sleeps until the next installation is due, or until woken (work queued here).
 */
export class WriteScheduler {
  private readonly active = new Map<string, Promise<void>>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastError = 0;

  constructor(private readonly o: WriteSchedulerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Look at the schedule now: work was queued. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Takes no more turns and waits for those running (each ends after at most one write). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.active.values()]);
  }

  private async run(): Promise<void> {
    const pollMs = this.o.pollMs ?? 250;
    while (!this.stopping) {
      let waitMs = pollMs;
      this.woken = false;
      try {
        const free = this.o.concurrency - this.active.size;
        if (free > 0) {
          const { ready, nextInMs } = await this.o.store.scan(free + this.active.size);
          for (const inst of ready) {
            if (this.active.size >= this.o.concurrency || this.stopping) break;
            if (this.active.has(inst)) continue;
            const token = `${this.o.holder}:${randomUUID()}`;
            if (await this.o.store.acquire(inst, token)) this.runTurn(inst, token);
          }
          if (nextInMs >= 0) waitMs = Math.min(pollMs, Math.max(1, nextInMs));
        }
      } catch (err) {
        // Redis unreachable: the leases lapse and the work waits in Redis; look again later.
        if (Date.now() - this.lastError > 10_000) {
          this.lastError = Date.now();
          this.o.log.warn({ err: errorMessage(err) }, 'writer schedule not readable; trying again');
        }
      }
      if (!this.woken && !this.stopping) await this.sleep(waitMs);
    }
  }

  private runTurn(inst: string, token: string): void {
    const renew = setInterval(() => {
      this.o.store.renew(inst, token).then(
        (held) => {
          if (!held) this.o.log.warn({ installation: inst }, 'writer lease lost during a turn');
        },
        () => undefined,
      );
    }, this.o.leaseMs / 3);
    const turn = this.o
      .turn(inst, token)
      .catch((err: unknown) =>
        this.o.log.warn(
          { installation: inst, err: errorMessage(err) },
          'writer turn failed; the installation is taken up again when its lease lapses',
        ),
      )
      .finally(() => {
        clearInterval(renew);
        this.active.delete(inst);
        this.wake();
      });
    this.active.set(inst, turn);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}
