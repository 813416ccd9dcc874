import type { ConfigReader } from './config/reader.js';
import { checkRunName } from './github/check-run-name.js';
import type { JobEnvelope } from './job-envelope.js';
import type { JobRequest } from './messages.js';

/**
 * Who a job is: what its Check Run shows and where. The publisher writes it before it
 * publishes the JobRequest, so the record is the proof that the pipeline published the
 * request (a JobResult for a request_id without one is not trusted) and a result that
 * overtakes the `{P}:checks` entry still knows the run's name and repository.
 */
export interface CheckIdentity {
  request_id: string;
  /** The repository the run lives on (the event's: the base repository of a fork PR). */
  owner: string;
  repo: string;
  /** The commit the job builds. */
  head_sha: string;
  /** null: the event named none; the reporter looks it up before the first write. */
  installation_id: number | null;
  /** The run's name (`<GITHUB_CHECK_NAME> / <job id>`). */
  name: string;
  /** The workflow job id; null for the single job of a commit without a usable workflow. */
  job_id: string | null;
  /** Why the workflow file could not be used: shown on the run. */
  workflow_error: string;
  delivery: string;
  group_id: string | null;
  /** The JobRequest as published; absent in a record an operator vouched for by hand. */
  job?: JobRequest;
}

/**
 * The record of one job in Redis (a hash at keys.checkRecord): its identity, the state its
 * Check Run should show (`want`, changed only forwards: queued → completed) and what GitHub
 * shows (`run_id`, `shown_v`). The reporter's writers bring the second to the first; field
 * names are read by the reporter's Lua scripts too (docs/architecture.md).
 */
export interface CheckRecord extends CheckIdentity {
  /** publisher (before the publish), checks (a `{P}:checks` entry without one), operator. */
  source: string;
  want: 'queued' | 'completed' | undefined;
  /** Bumped on every change of the wanted state; the writers show versions, not states. */
  want_v: number;
  /** completed_at of the JobResult wanted, ms since the epoch: a later result wins. */
  result_at: number | undefined;
  conclusion: string | undefined;
  /** The completing write's body (JSON), kept until it is shown. */
  completion: string | undefined;
  /** The JobResult as it came, kept until it is shown (dead-lettered as is if it cannot be). */
  result: string | undefined;
  run_id: number | undefined;
  /** The last want_v GitHub shows: nothing to write while shown_v >= want_v. */
  shown_v: number;
  /** When a create was sent that did not come back: look the run up by external_id first. */
  inflight: number | undefined;
  /** Failed writes of the wanted state so far, and the last error. */
  attempts: number;
  last_error: string | undefined;
  /** The want_v given up on (dead-lettered); a newer wanted state is tried again. */
  gave_up: number | undefined;
  /**
   * A notice run (not a job: source `notice`): the body its next write sends (status,
   * conclusion, output, actions; JSON), replaced by each later notice of the run.
   */
  notice: string | undefined;
}

/** The identity of the job an envelope carries. */
export function checkIdentityOf(e: JobEnvelope): CheckIdentity {
  return {
    request_id: e.job.request_id,
    owner: e.check_repository.owner,
    repo: e.check_repository.name,
    head_sha: e.job.commit_sha,
    installation_id: e.installation_id,
    name: e.check_name,
    job_id: e.job.workflow_job_id,
    workflow_error: e.workflow_error,
    delivery: e.delivery,
    group_id: e.job.group_id,
    job: e.job,
  };
}

/** Hash fields of an identity (all strings, as Redis keeps them). */
export function checkIdentityFields(i: CheckIdentity): Record<string, string> {
  return {
    request_id: i.request_id,
    owner: i.owner,
    repo: i.repo,
    head_sha: i.head_sha,
    installation_id: i.installation_id === null ? '' : String(i.installation_id),
    name: i.name,
    job_id: i.job_id ?? '',
    workflow_error: i.workflow_error,
    delivery: i.delivery,
    group_id: i.group_id ?? '',
    ...(i.job ? { job: JSON.stringify(i.job) } : {}),
  };
}

const num = (text: string | undefined): number | undefined => {
  const n = Number(text);
  return text !== undefined && text !== '' && Number.isFinite(n) ? n : undefined;
};
const text = (t: string | undefined): string | undefined => (t === '' ? undefined : t);

function jobOf(json: string | undefined): JobRequest | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as JobRequest;
  } catch {
    return undefined;
  }
}

/** A record read back from its hash (HGETALL); undefined when there is none or no identity. */
export function checkRecordOf(h: Record<string, string>): CheckRecord | undefined {
  if (!h.request_id || !h.owner || !h.repo || !h.head_sha) return undefined;
  const installation = num(h.installation_id);
  const want = h.want === 'queued' || h.want === 'completed' ? h.want : undefined;
  return {
    request_id: h.request_id,
    owner: h.owner,
    repo: h.repo,
    head_sha: h.head_sha,
    installation_id: installation !== undefined && installation > 0 ? installation : null,
    name: h.name ?? '',
    job_id: text(h.job_id) ?? null,
    workflow_error: h.workflow_error ?? '',
    delivery: h.delivery ?? '',
    group_id: text(h.group_id) ?? null,
    job: jobOf(h.job),
    source: h.source ?? '',
    want,
    want_v: num(h.want_v) ?? 0,
    result_at: num(h.result_at),
    conclusion: text(h.conclusion),
    completion: text(h.completion),
    result: text(h.result),
    run_id: num(h.run_id),
    shown_v: num(h.shown_v) ?? 0,
    inflight: num(h.inflight),
    attempts: num(h.attempts) ?? 0,
    last_error: text(h.last_error),
    gave_up: num(h.gave_up),
    notice: text(h.notice),
  };
}

/** The run's name: the record's, else `<checkName> / <job id>` (records of older entries). */
export function checkRunNameOf(record: CheckIdentity, checkName: string): string {
  return record.name || checkRunName(checkName, record.job_id);
}

/** CHECK_RECORD_TTL_DAYS, in seconds: how long a job's record is kept (publisher, reporter). */
export function readCheckRecordTtl(r: ConfigReader): number {
  return r.int('CHECK_RECORD_TTL_DAYS', 14, { min: 1, max: 3650 }) * 86_400;
}
