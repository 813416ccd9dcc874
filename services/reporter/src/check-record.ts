import type { JobResult } from '@solstice/shared';

/**
 * What the reporter remembers per request_id (keys.checkRun), so a retried entry or a
 * redelivered result never makes a second Check Run:
 * - `creating`: a copy claimed the right to create the run and may be doing so now;
 * - `queued`: the run exists and waits for its result;
 * - `completed`: the run shows a result (possibly created by the result, before its queued entry).
 */
export interface CheckRecord {
  request_id: string;
  state: 'creating' | 'queued' | 'completed';
  owner: string;
  repo: string;
  head_sha: string;
  name: string;
  delivery?: string;
  /** Why the workflow file could not be used (from the expander), shown on completion too. */
  workflow_error?: string;
  installation_id?: number;
  check_run_id?: number;
  conclusion?: Conclusion;
  /** The completed_at of the JobResult the run shows. */
  result_completed_at?: string;
  /** Token of the copy holding a `creating` claim, and when it claimed it (Redis time, ms). */
  claim?: string;
  claimed_at?: number;
}

export type Conclusion = 'success' | 'failure';

export const conclusionOf = (result: JobResult): Conclusion =>
  result.success ? 'success' : 'failure';

/** What a result does with a record that already names its run. */
export type ResultStep = 'update' | 'duplicate' | 'stale';

export function resultStep(record: CheckRecord, result: JobResult): ResultStep {
  if (record.state !== 'completed') return 'update';
  const same =
    record.conclusion === conclusionOf(result) &&
    record.result_completed_at === result.completed_at;
  if (same) return 'duplicate';
  // A different outcome for the same request: the later one wins, an older redelivery does not.
  const shown = Date.parse(record.result_completed_at ?? '');
  return Number.isNaN(shown) || Date.parse(result.completed_at) > shown ? 'update' : 'stale';
}

/** What a queued entry does when another record holds the request_id. */
export type QueuedStep = 'completed' | 'duplicate' | 'wait';

export function queuedStep(record: CheckRecord): QueuedStep {
  if (record.state === 'completed') return 'completed';
  if (record.state === 'queued') return 'duplicate';
  return 'wait';
}
