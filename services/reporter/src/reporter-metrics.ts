import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '@solstice/shared';

export interface ReporterMetrics {
  checkRunsCreated: Counter<'status'>;
  checkRunsCompleted: Counter<'conclusion'>;
  /** recorded, duplicate, stale, invalid, untrusted, retried. */
  jobResults: Counter<'outcome'>;
  /** Check Run writes sent to GitHub, by installation and kind (create, update). */
  writes: Counter<'installation' | 'kind'>;
  /** Jobs given up after final refusals or the last attempt, by what was wanted. */
  givenUp: Counter<'want'>;
  /** Writes that failed and will be tried again, by why (retry, rate limit). */
  writeFailures: Counter<'kind'>;
  /** Jobs waiting for a write, over the installations with work (sampled). */
  queueDepth: Gauge;
  installationsWaiting: Gauge;
  installationsPaused: Gauge;
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
      help: 'Check Runs shown completed with a JobResult (created so or updated), by conclusion',
      labelNames: ['conclusion'],
      registers,
    }),
    jobResults: new Counter({
      name: 'solstice_jobresults_total',
      help: 'JobResults consumed, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    writes: new Counter({
      name: 'solstice_github_writes_total',
      help: 'Check Run writes sent to GitHub by this copy, by installation and kind',
      labelNames: ['installation', 'kind'],
      registers,
    }),
    givenUp: new Counter({
      name: 'solstice_check_jobs_given_up_total',
      help: 'Jobs whose Check Run write was given up (dead-lettered), by the state wanted',
      labelNames: ['want'],
      registers,
    }),
    writeFailures: new Counter({
      name: 'solstice_check_write_failures_total',
      help: 'Check Run writes that failed and wait to be tried again, by kind (retry, pause)',
      labelNames: ['kind'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'solstice_check_write_queue_depth',
      help: 'Jobs waiting for a Check Run write, all installations (sampled)',
      registers,
    }),
    installationsWaiting: new Gauge({
      name: 'solstice_check_installations_with_work',
      help: 'Installations with Check Run writes waiting (sampled)',
      registers,
    }),
    installationsPaused: new Gauge({
      name: 'solstice_check_installations_paused',
      help: 'Installations whose writes are paused by a GitHub rate limit (sampled)',
      registers,
    }),
  };
}
