import { checkRunNameOf, type CheckRecord } from '@solstice/shared';
import {
  completedNewCheckRun,
  queuedCheckRun,
  type CheckRunChange,
  type CheckRunCompletion,
  type NewCheckRun,
  type NoticeChange,
} from './check-run-for.js';

/** What a job needs next so that GitHub shows what its record wants. */
export type WritePlan =
  /** Nothing: GitHub shows it already (or nothing is wanted yet). */
  | { kind: 'none'; why: string }
  /** The installation is not known: ask GitHub (App JWT), then queue the job there. */
  | { kind: 'resolve' }
  /** The installation is known now, but the job waits in another queue: move it. */
  | { kind: 'move'; to: string }
  /** A create may have reached GitHub without its answer: find the run by external_id first. */
  | { kind: 'lookup' }
  | { kind: 'create'; run: NewCheckRun; version: number }
  | { kind: 'update'; runId: number; change: CheckRunChange; version: number };

/**
 * The next step for a job taken from installation `queue`'s queue. A job whose result is known
 * when its turn comes is created completed, with its real name: one call.
 */
export function planWrite(record: CheckRecord, queue: string, checkName: string): WritePlan {
  if (record.want === undefined) return { kind: 'none', why: 'nothing wanted yet' };
  if (record.shown_v >= record.want_v) return { kind: 'none', why: 'shown already' };
  if (record.installation_id === null) return { kind: 'resolve' };
  if (String(record.installation_id) !== queue)
    return { kind: 'move', to: String(record.installation_id) };
  if (record.run_id === undefined && record.inflight !== undefined) return { kind: 'lookup' };
  const version = record.want_v;
  if (record.notice !== undefined) return noticeWrite(record, checkName, version);
  if (record.want === 'queued') {
    // A run exists (found after a lost answer): queued or beyond, as wanted.
    if (record.run_id !== undefined) return { kind: 'none', why: 'the run exists' };
    return { kind: 'create', run: queuedCheckRun(record, checkName), version };
  }
  if (record.completion === undefined)
    return { kind: 'none', why: 'no completion kept (shown by another copy)' };
  const change = JSON.parse(record.completion) as CheckRunCompletion;
  if (record.run_id !== undefined) return { kind: 'update', runId: record.run_id, change, version };
  return { kind: 'create', run: completedNewCheckRun(record, checkName, change), version };
}

/** A notice run: created with its body, or updated to it (a note, an approval, a refusal). */
function noticeWrite(record: CheckRecord, checkName: string, version: number): WritePlan {
  const change = JSON.parse(record.notice!) as NoticeChange;
  if (record.run_id !== undefined) return { kind: 'update', runId: record.run_id, change, version };
  const run: NewCheckRun = {
    name: checkRunNameOf(record, checkName),
    head_sha: record.head_sha,
    external_id: record.request_id,
    ...change,
  };
  return { kind: 'create', run, version };
}
