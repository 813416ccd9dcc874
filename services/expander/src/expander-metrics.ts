import { Counter } from 'prom-client';
import type { Metrics } from '@solstice/shared';
import type { FetchResult } from './adapters/workflow-source.js';

export interface ExpanderMetrics {
  jobRequestsEmitted: Counter;
  workflowFetches: Counter<'result'>;
}

/** The expander's own metrics, on the stage's registry. */
export function expanderMetrics(metrics: Metrics): ExpanderMetrics {
  const registers = [metrics.registry];
  return {
    jobRequestsEmitted: new Counter({
      name: 'solstice_jobrequests_emitted_total',
      help: 'JobRequests handed to {P}:jobs (a batch retried after a failed commit counts again)',
      registers,
    }),
    workflowFetches: new Counter({
      name: 'solstice_workflow_fetches_total',
      help: 'Workflow file reads by result: cached, found, absent, unusable, refused, failed',
      labelNames: ['result'],
      registers,
    }),
  };
}

export const countFetch =
  (m: ExpanderMetrics) =>
  (result: FetchResult): void => {
    m.workflowFetches.inc({ result });
  };
