import { PermanentError } from './errors.js';

/** The wire JobRequest (DESIGN.md "Messages"). */
export interface JobRequest {
  schema_version: 'jobrequest.v1';
  request_id: string;
  group_id: string | null;
  source: 'github';
  repo_url: string;
  repo_owner: string;
  repo_name: string;
  commit_sha: string;
  workflow_path: string | null;
  workflow_job_id: string | null;
  runs_on: string | null;
  script_path: string | null;
  submitted_at: string;
}

/** The wire JobResult the orchestrator publishes. */
export interface JobResult {
  schema_version: 'jobresult.v1';
  request_id: string;
  repo_url: string;
  repo_owner: string;
  repo_name: string;
  commit_sha: string;
  success: boolean;
  exit_code: number;
  summary?: string;
  completed_at: string;
}

/** An entry of `{P}:events`: one webhook delivery exactly as received. */
export interface RawEvent {
  delivery: string;
  hook_id: string;
  event: string;
  content_type: string;
  body: string;
  installation_target_type: string;
  installation_target_id: string;
  received_at: string;
}

/**
 * An entry of `{P}:jobs` (and, with published_at, of `{P}:checks`): the wire JobRequest plus
 * what later stages need and the wire format does not carry.
 */
export interface JobEnvelope {
  job: JobRequest;
  delivery: string;
  installation_id: string;
  check_name: string;
  workflow_error: string;
  /**
   * owner/name of the repository the Check Run belongs to: the event's repository. For a
   * fork pull request the job builds the fork's commit, but the run lives on the base
   * repository, where the App is installed. Empty: the job's own repository.
   */
  check_repository?: string;
  published_at?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;
// RFC 3339 with a zone; Date.parse then checks the values.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

type Obj = Record<string, unknown>;

function problem(what: string, field: string, expected: string): never {
  throw new PermanentError(`invalid ${what}: ${field} must be ${expected}`);
}

function str(o: Obj, what: string, field: string, nullable = false): string | null {
  const v = o[field];
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || v === '')
    problem(what, field, nullable ? 'a string or null' : 'a non-empty string');
  return v;
}

function match(o: Obj, what: string, field: string, re: RegExp, expected: string): string {
  const v = str(o, what, field)!;
  if (!re.test(v)) problem(what, field, expected);
  return v;
}

function time(o: Obj, what: string, field: string): string {
  const v = str(o, what, field)!;
  if (!RFC3339.test(v) || Number.isNaN(Date.parse(v))) problem(what, field, 'an RFC 3339 time');
  return v;
}

function object(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PermanentError(`invalid ${what}: not a JSON object`);
  }
  return value as Obj;
}

/** Parses JSON text, throwing a PermanentError that says what was wrong. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PermanentError(`invalid ${what}: not JSON (${(err as Error).message})`);
  }
}

/** Validates a JobRequest; throws PermanentError naming the first bad field. */
export function validateJobRequest(value: unknown): JobRequest {
  const w = 'JobRequest';
  const o = object(value, w);
  if (o.schema_version !== 'jobrequest.v1') problem(w, 'schema_version', '"jobrequest.v1"');
  if (o.source !== 'github') problem(w, 'source', '"github"');
  match(o, w, 'request_id', UUID, 'a UUID');
  if (o.group_id !== null) match(o, w, 'group_id', UUID, 'a UUID or null');
  str(o, w, 'repo_url');
  str(o, w, 'repo_owner');
  str(o, w, 'repo_name');
  match(o, w, 'commit_sha', SHA, 'a hex commit sha');
  for (const f of ['workflow_path', 'workflow_job_id', 'runs_on', 'script_path'])
    str(o, w, f, true);
  time(o, w, 'submitted_at');
  return o as unknown as JobRequest;
}

/** Validates a JobResult; throws PermanentError naming the first bad field. */
export function validateJobResult(value: unknown): JobResult {
  const w = 'JobResult';
  const o = object(value, w);
  if (o.schema_version !== 'jobresult.v1') problem(w, 'schema_version', '"jobresult.v1"');
  match(o, w, 'request_id', UUID, 'a UUID');
  str(o, w, 'repo_url');
  str(o, w, 'repo_owner');
  str(o, w, 'repo_name');
  match(o, w, 'commit_sha', SHA, 'a hex commit sha');
  if (typeof o.success !== 'boolean') problem(w, 'success', 'a boolean');
  if (!Number.isInteger(o.exit_code)) problem(w, 'exit_code', 'an integer');
  if (o.summary !== undefined && o.summary !== null && typeof o.summary !== 'string') {
    problem(w, 'summary', 'a string when present');
  }
  time(o, w, 'completed_at');
  return o as unknown as JobResult;
}

/** Stream-entry fields of a JobEnvelope (all strings, as Redis stores them). */
export function envelopeToFields(e: JobEnvelope): Record<string, string> {
  const fields: Record<string, string> = {
    job: JSON.stringify(e.job),
    request_id: e.job.request_id,
    delivery: e.delivery,
    installation_id: e.installation_id,
    check_name: e.check_name,
    workflow_error: e.workflow_error,
  };
  if (e.check_repository) fields.check_repository = e.check_repository;
  if (e.published_at !== undefined) fields.published_at = e.published_at;
  return fields;
}

/** Reads a JobEnvelope back from stream-entry fields; PermanentError when it cannot. */
export function envelopeFromFields(fields: Record<string, string>): JobEnvelope {
  const job = validateJobRequest(parseJson(fields.job ?? '', 'JobRequest'));
  const envelope: JobEnvelope = {
    job,
    delivery: fields.delivery ?? '',
    installation_id: fields.installation_id ?? '',
    check_name: fields.check_name ?? '',
    workflow_error: fields.workflow_error ?? '',
  };
  if (fields.check_repository) envelope.check_repository = fields.check_repository;
  if (fields.published_at !== undefined) envelope.published_at = fields.published_at;
  return envelope;
}

export function rawEventFromFields(fields: Record<string, string>): RawEvent {
  for (const f of ['delivery', 'event', 'body']) {
    if (fields[f] === undefined) throw new PermanentError(`invalid stored event: no ${f} field`);
  }
  return {
    delivery: fields.delivery!,
    hook_id: fields.hook_id ?? '',
    event: fields.event!,
    content_type: fields.content_type ?? 'application/json',
    body: fields.body!,
    installation_target_type: fields.installation_target_type ?? '',
    installation_target_id: fields.installation_target_id ?? '',
    received_at: fields.received_at ?? '',
  };
}

/** The JSON payload of a stored event, for both content types GitHub sends. */
export function payloadOf(event: RawEvent): unknown {
  let text = event.body;
  if (event.content_type.startsWith('application/x-www-form-urlencoded')) {
    const p = new URLSearchParams(event.body).get('payload');
    if (p === null)
      throw new PermanentError('invalid stored event: form body without a payload field');
    text = p;
  }
  return parseJson(text, `${event.event} payload`);
}
