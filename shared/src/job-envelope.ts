import { parseJson, validateJobRequest, type JobRequest } from './messages.js';

/** owner and name of a GitHub repository, never joined into one string between stages. */
export interface RepositoryRef {
  owner: string;
  name: string;
}

/**
 * An entry of `{P}:jobs` (and, with published_at, of `{P}:checks`): the wire JobRequest plus
 * what later stages need and the wire format does not carry.
 */
export interface JobEnvelope {
  job: JobRequest;
  delivery: string;
  /** The App installation the event came through; null when it named none (then looked up). */
  installation_id: number | null;
  /**
   * The repository the Check Run belongs to: the event's repository. For a fork pull request
   * the job builds the fork's commit, but the run lives on the base repository, where the
   * App is installed.
   */
  check_repository: RepositoryRef;
  check_name: string;
  workflow_error: string;
  published_at?: string;
}

/** Stream-entry fields of a JobEnvelope (all strings, as Redis stores them). */
export function envelopeToFields(e: JobEnvelope): Record<string, string> {
  const fields: Record<string, string> = {
    job: JSON.stringify(e.job),
    request_id: e.job.request_id,
    delivery: e.delivery,
    installation_id: e.installation_id === null ? '' : String(e.installation_id),
    check_owner: e.check_repository.owner,
    check_repo: e.check_repository.name,
    check_name: e.check_name,
    workflow_error: e.workflow_error,
  };
  if (e.published_at !== undefined) fields.published_at = e.published_at;
  return fields;
}

/**
 * Reads a JobEnvelope back from stream-entry fields; PermanentError when it cannot. Entries
 * written before the check repository had fields of its own (an upgrade leaves them in the
 * streams) carry it as `check_repository: "owner/name"`, or not at all (the job's own).
 */
export function envelopeFromFields(fields: Record<string, string>): JobEnvelope {
  const job = validateJobRequest(parseJson(fields.job ?? '', 'JobRequest'));
  const envelope: JobEnvelope = {
    job,
    delivery: fields.delivery ?? '',
    installation_id: installationIdOf(fields.installation_id),
    check_repository: checkRepositoryOf(fields, job),
    check_name: fields.check_name ?? '',
    workflow_error: fields.workflow_error ?? '',
  };
  if (fields.published_at !== undefined) envelope.published_at = fields.published_at;
  return envelope;
}

/** A positive whole number, or null ('' when the event named no installation). */
function installationIdOf(text: string | undefined): number | null {
  const id = /^\d+$/.test(text ?? '') ? Number(text) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

function checkRepositoryOf(fields: Record<string, string>, job: JobRequest): RepositoryRef {
  if (fields.check_owner && fields.check_repo)
    return { owner: fields.check_owner, name: fields.check_repo };
  const legacy = /^([^/]+)\/([^/]+)$/.exec(fields.check_repository ?? '');
  if (legacy) return { owner: legacy[1]!, name: legacy[2]! };
  return { owner: job.repo_owner, name: job.repo_name };
}
