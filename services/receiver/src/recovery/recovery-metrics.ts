import { Counter, type Registry } from 'prom-client';

/** Counters of the recovery sweep. */
export interface RecoveryMetrics {
  checked: Counter;
  failed: Counter;
  redelivered: Counter;
  stillFailing: Counter;
  lostAfterAck: Counter;
  sweeps: Counter<'outcome'>;
}

/** The sweep's counters on `registry` (reused when already there: two sweepers, one registry). */
export function createRecoveryMetrics(registry: Registry): RecoveryMetrics {
  const counter = <L extends string = string>(name: string, help: string, labelNames: L[] = []) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    checked: counter(
      'solstice_recovery_deliveries_checked_total',
      'GitHub webhook deliveries looked at by the recovery sweep',
    ),
    failed: counter(
      'solstice_recovery_deliveries_failed_total',
      'Deliveries whose newest attempt failed (not 2xx), per sweep',
    ),
    redelivered: counter(
      'solstice_recovery_deliveries_redelivered_total',
      'Failed deliveries that were never stored and were redelivered',
    ),
    stillFailing: counter(
      'solstice_recovery_deliveries_still_failing_total',
      'Failed deliveries not stored although redelivered RECOVERY_MAX_ATTEMPTS times in the window',
    ),
    lostAfterAck: counter(
      'solstice_recovery_deliveries_lost_after_ack_total',
      'Deliveries answered 202 whose entry is gone from Redis (lost with a primary), per sweep',
    ),
    sweeps: counter(
      'solstice_recovery_sweeps_total',
      'Recovery sweeps by outcome (done, skipped: another copy holds the lease, stopped, failed)',
      ['outcome'],
    ),
  };
}
