import {
  checkIdentityOf,
  type CheckRecord,
  type JobEnvelope,
  type JobResult,
} from '@solstice/shared';
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
    ...over,
  };
}

export const envelope = (o: Parameters<typeof jobEnvelope>[0] = {}): JobEnvelope =>
  jobEnvelope({ owner: 'octo-org', repo: 'hello', installationId: 7, ...o });

export function resultOf(e: JobEnvelope, over: Partial<JobResult> = {}): JobResult {
  return {
    schema_version: 'jobresult.v1',
    request_id: e.job.request_id,
    repo_url: e.job.repo_url,
    repo_owner: e.job.repo_owner,
    repo_name: e.job.repo_name,
    commit_sha: e.job.commit_sha,
    success: true,
    exit_code: 0,
    completed_at: '2026-03-04T05:06:07Z',
    ...over,
  };
}
