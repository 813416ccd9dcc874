import { PermanentError } from '../errors.js';
import { requestIdFor } from '../ids.js';

/** A button on a Check Run (GitHub: label and identifier ≤ 20 characters, description ≤ 40). */
export interface NoticeAction {
  label: string;
  identifier: string;
  description: string;
}

/**
 * A Check Run that is not a job's: a fork pull request waiting for approval, or why a commit
 * builds nothing (the App cannot read its workflow file). The expander adds it to `{P}:checks`
 * (kind `notice`); the reporter records it like a job's run and its writers show it at
 * GitHub's pace. A later notice (`at`) of the same run replaces an earlier one; a completed
 * notice is never set back to queued.
 */
export interface Notice {
  schema_version: 'notice.v1';
  /** The run's external_id (noticeIdFor). */
  notice_id: string;
  /** The repository the run lives on (the event's: the base repository of a fork PR). */
  owner: string;
  repo: string;
  head_sha: string;
  installation_id: number | null;
  /** noticeRunName */
  name: string;
  delivery: string;
  /** When the expander decided it (ms since the epoch). */
  at: number;
  status: 'queued' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral';
  output: { title: string; summary: string };
  /** Buttons shown on the run; none (or []) takes earlier ones away. */
  actions?: NoticeAction[];
}

/** The external_id of a delivery's notice run `what`: '#' is in no job id, so never a request_id. */
export function noticeIdFor(delivery: string, what: string): string {
  return requestIdFor(delivery, `#${what}`);
}

/** Stream-entry fields of a notice (`{P}:checks`). */
export function noticeToFields(n: Notice): Record<string, string> {
  return {
    kind: 'notice',
    request_id: n.notice_id,
    delivery: n.delivery,
    notice: JSON.stringify(n),
  };
}

/** True for a `{P}:checks` entry that carries a notice, not a JobEnvelope. */
export const isNoticeEntry = (fields: Record<string, string>): boolean => fields.kind === 'notice';

const STATUSES = new Set(['queued', 'completed']);
const CONCLUSIONS = new Set(['success', 'failure', 'neutral']);

/** A notice read back from its entry; PermanentError naming what is wrong. */
export function noticeFromFields(fields: Record<string, string>): Notice {
  let n: Notice;
  try {
    n = JSON.parse(fields.notice ?? '') as Notice;
  } catch {
    throw new PermanentError('invalid notice: not JSON');
  }
  const bad = (what: string): never => {
    throw new PermanentError(`invalid notice: ${what}`);
  };
  if (typeof n !== 'object' || n === null) bad('not an object');
  if (n.schema_version !== 'notice.v1') bad(`schema_version ${String(n.schema_version)}`);
  for (const f of ['notice_id', 'owner', 'repo', 'head_sha', 'name'] as const)
    if (typeof n[f] !== 'string' || n[f] === '') bad(`${f} is missing`);
  if (n.installation_id !== null && !Number.isSafeInteger(n.installation_id))
    bad('installation_id is not a number');
  if (!Number.isFinite(n.at)) bad('at is not a time');
  if (!STATUSES.has(n.status)) bad(`status ${String(n.status)}`);
  if (n.status === 'completed' && !CONCLUSIONS.has(n.conclusion ?? ''))
    bad(`conclusion ${String(n.conclusion)}`);
  if (typeof n.output?.title !== 'string' || typeof n.output?.summary !== 'string')
    bad('output.title and output.summary are required');
  if (n.actions !== undefined && !Array.isArray(n.actions)) bad('actions is not a list');
  return n;
}
