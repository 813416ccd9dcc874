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

/**
 * The wire JobResult the orchestrator publishes. The repository and commit may be left out:
 * the record of the request_id knows them (when given, they must match it).
 */
export interface JobResult {
  schema_version: 'jobresult.v1';
  request_id: string;
  repo_url?: string;
  repo_owner?: string;
  repo_name?: string;
  commit_sha?: string;
  success: boolean;
  exit_code: number;
  summary?: string;
  completed_at: string;
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

/**
 * Validates a JobResult; throws PermanentError naming the first bad field. The repository
 * fields and commit_sha are optional (absent or null: left out of the result returned).
 */
export function validateJobResult(value: unknown): JobResult {
  const w = 'JobResult';
  const o = { ...object(value, w) };
  if (o.schema_version !== 'jobresult.v1') problem(w, 'schema_version', '"jobresult.v1"');
  match(o, w, 'request_id', UUID, 'a UUID');
  for (const f of ['repo_url', 'repo_owner', 'repo_name', 'commit_sha']) {
    if (o[f] === null || o[f] === undefined) delete o[f];
    else if (f === 'commit_sha') match(o, w, f, SHA, 'a hex commit sha when present');
    else if (typeof o[f] !== 'string' || o[f] === '')
      problem(w, f, 'a non-empty string when present');
  }
  if (typeof o.success !== 'boolean') problem(w, 'success', 'a boolean');
  if (!Number.isInteger(o.exit_code)) problem(w, 'exit_code', 'an integer');
  if (o.summary !== undefined && o.summary !== null && typeof o.summary !== 'string') {
    problem(w, 'summary', 'a string when present');
  }
  time(o, w, 'completed_at');
  return o as unknown as JobResult;
}
