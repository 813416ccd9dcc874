import {
  checkIdentityOf,
  type CheckRecord,
  type JobEnvelope,
  type JobResult,
} from '@solstice/shared';
import { resultFor } from '@solstice/github-standin/harness';
import { jobEnvelope } from '../../../../test/support/fixtures.js';

/** A record as the reporter reads it back: the envelope's identity plus what is given. */
export function recordOf(e: JobEnvelope, over: Partial<CheckRecord> = {}): CheckRecord {
  return {
    ...checkIdentityOf(e),
    source: 'publisher',
    want: undefined,
    want_v: 0,
    result_at: undefined,
    conclusion: undefined,
    completion: undefined,
    result: undefined,
    run_id: undefined,
    shown_v: 0,
    inflight: undefined,
    attempts: 0,
    last_error: undefined,
    gave_up: undefined,
    notice: undefined,
    ...over,
  };
}

export const envelope = (o: Parameters<typeof jobEnvelope>[0] = {}): JobEnvelope =>
  jobEnvelope({ owner: 'octo-org', repo: 'hello', installationId: 7, ...o });

/** The orchestrator's JobResult for `e`, completed at a fixed time. */
export const resultOf = (e: JobEnvelope, over: Partial<JobResult> = {}): JobResult =>
  resultFor(e, { completed_at: '2026-03-04T05:06:07Z', summary: undefined, ...over });
