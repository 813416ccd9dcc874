import { Counter } from 'prom-client';
import type { Metrics } from '@solstice/shared';

export interface ReporterMetrics {
  checkRunsCreated: Counter<'status'>;
  checkRunsCompleted: Counter<'conclusion'>;
  /** completed, duplicate, stale, invalid, rejected (GitHub refused for good), retried. */
  jobResults: Counter<'outcome'>;
}

/** The reporter's own metrics, on the stage's registry. */
export function reporterMetrics(metrics: Metrics): ReporterMetrics {
  const registers = [metrics.registry];
  return {
    checkRunsCreated: new Counter({
      name: 'solstice_check_runs_created_total',
      help: 'Check Runs created, by the status they were created with (queued, completed)',
      labelNames: ['status'],
      registers,
    }),
    checkRunsCompleted: new Counter({
      name: 'solstice_check_runs_completed_total',
      help: 'Check Runs completed with a JobResult, by conclusion',
      labelNames: ['conclusion'],
      registers,
    }),
    jobResults: new Counter({
      name: 'solstice_jobresults_total',
      help: 'JobResults consumed, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
