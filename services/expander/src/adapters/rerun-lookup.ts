import { checkRecordOf, type CheckRecord, type Keys, type Redis } from '@solstice/shared';
import type { RerunJob } from '../event-target.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;

/** The request_id a `check_run` `rerequested` payload names: its run's external_id. */
export function rerunRequestId(payload: unknown): string | undefined {
  const p = obj(payload);
  if (p?.action !== 'rerequested') return undefined;
  const externalId = obj(p.check_run)?.external_id;
  return typeof externalId === 'string' && UUID.test(externalId) ? externalId : undefined;
}

/**
 * The job a re-requested run belongs to, from the record of its request: its workflow job and
 * commit. Only a record on the event's repository counts (else the name is read, as for runs
 * older than the records).
 */
export function rerunJobOf(
  payload: unknown,
  record: CheckRecord | undefined,
): RerunJob | undefined {
  if (!record) return undefined;
  const repository = obj(obj(payload)?.repository);
  const owner = obj(repository?.owner)?.login;
  const same =
    typeof owner === 'string' &&
    typeof repository?.name === 'string' &&
    owner.toLowerCase() === record.owner.toLowerCase() &&
    repository.name.toLowerCase() === record.repo.toLowerCase();
  if (!same) return undefined;
  return record.notice !== undefined
    ? { jobId: null, sha: record.head_sha, notice: true }
    : { jobId: record.job_id, sha: record.head_sha };
}

/** Finds the job of a `check_run` `rerequested` event by the run's external_id (= request_id). */
export function rerunLookup(
  redis: Redis,
  keys: Keys,
): (event: string, payload: unknown) => Promise<RerunJob | undefined> {
  return async (event, payload) => {
    const requestId = event === 'check_run' ? rerunRequestId(payload) : undefined;
    if (!requestId) return undefined;
    const record = checkRecordOf(await redis.hgetall(keys.checkRecord(requestId)));
    return rerunJobOf(payload, record);
  };
}
