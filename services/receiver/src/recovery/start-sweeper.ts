import { randomUUID } from 'node:crypto';
import type { Logger } from '@solstice/shared';
import type { Registry } from 'prom-client';
import type { HookDeliveries } from './hook-deliveries.js';
import type { Lease } from './lease.js';
import { createRecoveryMetrics } from './recovery-metrics.js';
import type { SweepState } from './sweep-state.js';
import { runSweep, type SweepReport } from './sweep.js';

export interface SweeperOptions {
  github: HookDeliveries;
  state: SweepState;
  lease: Lease;
  log: Logger;
  registry?: Registry;
  intervalMs: number;
  lookbackHours: number;
  maxPerSweep: number;
  maxAttempts?: number;
  retryBackoffMs?: number;
  /** DEDUPE_TTL_SECONDS in ms: 202s younger than this whose key is gone are redelivered. */
  ackedWithinMs?: number;
  hookId?: string;
  /** First sweep this long after start (let the HTTP server take the redeliveries first). */
  initialDelayMs?: number;
  /** The lease's expiry while a sweep runs; renewed every third of it. */
  leaseMs?: number;
  settleMs?: number;
  perPage?: number;
}

export type SweepOutcome =
  | { ran: true; report: SweepReport }
  | { ran: false; reason: 'another copy holds the lease' | 'stopped' | 'failed'; error?: unknown };

export interface Sweeper {
  /** Runs a sweep now (or joins the one running). */
  sweepNow(): Promise<SweepOutcome>;
  /**
   * Stops the timer and waits for a sweep in progress: one still listing stops at the next
   * page (without moving the cursor); one already redelivering finishes. Idempotent.
   */
  stop(): Promise<void>;
}

class Abandoned extends Error {}

/**
 * Runs a sweep every `intervalMs` under the lease. The copy that swept keeps the lease for
 * the rest of the interval, so however many receivers run, GitHub is asked about once per
 * interval; a copy that dies frees it when it expires.
 */
export function startSweeper(o: SweeperOptions): Sweeper {
  const log = o.log.child({ component: 'recovery' });
  const metrics = o.registry ? createRecoveryMetrics(o.registry) : undefined;
  const leaseMs = o.leaseMs ?? 60_000;
  const token = `${o.lease.token}:${randomUUID().slice(0, 8)}`;
  let stopping = false;
  let running: Promise<SweepOutcome> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;

  const sweep = async (): Promise<SweepOutcome> => {
    if (stopping) return { ran: false, reason: 'stopped' };
    const started = Date.now();
    try {
      if (!(await o.lease.acquire(leaseMs))) {
        metrics?.sweeps.inc({ outcome: 'skipped' });
        log.debug('another copy holds the sweep lease; not sweeping');
        return { ran: false, reason: 'another copy holds the lease' };
      }
      // Renewed on a timer, not per page: redeliveries are spaced a second apart
      // (GITHUB_WRITE_MIN_MS), so a sweep of 50 can outlast one lease period.
      let lost = false;
      const renew = setInterval(() => {
        o.lease.extend(leaseMs).then(
          (ours) => (lost ||= !ours),
          () => undefined,
        );
      }, leaseMs / 3);
      renew.unref();
      let report: SweepReport;
      try {
        report = await runSweep(
          { github: o.github, state: o.state, log },
          {
            lookbackMs: o.lookbackHours * 3600_000,
            useCursor: true,
            maxRedeliveries: o.maxPerSweep,
            hookId: o.hookId,
            markerTtlSeconds: o.lookbackHours * 3600,
            maxAttempts: o.maxAttempts,
            retryBackoffMs: o.retryBackoffMs,
            ackedWithinMs: o.ackedWithinMs,
            token,
            perPage: o.perPage,
            settleMs: o.settleMs,
            afterPage: async () => {
              if (stopping) throw new Abandoned('shutting down');
              if (lost) throw new Abandoned('lost the sweep lease');
            },
          },
        );
      } finally {
        clearInterval(renew);
      }
      // Held for the rest of the interval: the next sweep, on whichever copy, is an interval away.
      await o.lease.extend(o.intervalMs);
      metrics?.sweeps.inc({ outcome: 'done' });
      metrics?.checked.inc(report.checked);
      metrics?.failed.inc(report.failed.length);
      metrics?.redelivered.inc(report.redelivered.length);
      metrics?.stillFailing.inc(report.stillFailing.length);
      metrics?.lostAfterAck.inc(report.lostAfterAck.length);
      log.info(
        {
          checked: report.checked,
          failed: report.failed.length,
          redelivered: report.redelivered.length,
          stillFailing: report.stillFailing.length,
          waiting: report.waiting.length,
          lostAfterAck: report.lostAfterAck.length,
          stored: report.stored.length,
          deferred: report.deferred.length,
          errors: report.errors.length,
          pages: report.pages,
          ms: Date.now() - started,
        },
        'recovery sweep done',
      );
      return { ran: true, report };
    } catch (err) {
      if (err instanceof Abandoned && stopping) {
        metrics?.sweeps.inc({ outcome: 'stopped' });
        log.info(
          'recovery sweep stopped before redelivering anything; the next start sweeps again',
        );
        return { ran: false, reason: 'stopped' };
      }
      metrics?.sweeps.inc({ outcome: 'failed' });
      log.warn({ err }, 'recovery sweep failed; trying again next interval');
      return { ran: false, reason: 'failed', error: err };
    }
  };

  const sweepNow = (): Promise<SweepOutcome> => {
    running ??= sweep().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (ms: number) => {
    if (stopping) return;
    timer = setTimeout(() => void sweepNow().finally(() => schedule(o.intervalMs)), ms);
    timer.unref();
  };
  schedule(o.initialDelayMs ?? 5000);

  return {
    sweepNow,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearTimeout(timer);
        await running;
        try {
          await o.lease.release();
        } catch (err) {
          log.warn({ err }, 'could not release the sweep lease; it expires by itself');
        }
      })();
      return stopped;
    },
  };
}
