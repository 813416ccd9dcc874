import type { CheckRecord, JobResult } from '@solstice/shared';

export const NO_RECORD =
  'no record: not published by this pipeline (an operator can replay it with `solstice results replay --trust`)';

/**
 * Whether a JobResult may be shown: only for a request the pipeline published (it has a
 * record, written before the publish), and only if what the result says of the job agrees
 * with the record. The repository and commit may be left out of the result: the record
 * knows them. The reason it is refused, or undefined.
 */
export function refusalOf(record: CheckRecord | undefined, result: JobResult): string | undefined {
  if (!record) return NO_RECORD;
  if (record.notice !== undefined) return 'the request_id is a notice run, not a job';
  const job = record.job;
  // The job's own repository (a fork PR's fork); a hand-made record knows only the run's.
  const owner = job?.repo_owner ?? record.owner;
  const name = job?.repo_name ?? record.repo;
  if (!owner && !result.repo_owner) return 'neither the result nor its record names the repository';
  const differs: string[] = [];
  if (result.commit_sha && result.commit_sha.toLowerCase() !== record.head_sha.toLowerCase())
    differs.push(`commit_sha ${result.commit_sha} (published: ${record.head_sha})`);
  if (result.repo_owner && result.repo_owner.toLowerCase() !== owner.toLowerCase())
    differs.push(`repo_owner ${result.repo_owner} (published: ${owner})`);
  if (result.repo_name && result.repo_name.toLowerCase() !== name.toLowerCase())
    differs.push(`repo_name ${result.repo_name} (published: ${name})`);
  return differs.length > 0
    ? `does not match the published request: ${differs.join(', ')}`
    : undefined;
}

/** What a result is to the record: new (to be recorded), or one the record already has. */
export type ResultNews = 'new' | 'duplicate' | 'stale';

/** A later completed_at wins; the same one with the same conclusion is a redelivery. */
export function newsOf(record: CheckRecord, resultAt: number, conclusion: string): ResultNews {
  if (record.want !== 'completed' || record.result_at === undefined) return 'new';
  if (resultAt < record.result_at) return 'stale';
  if (resultAt === record.result_at && conclusion === record.conclusion) return 'duplicate';
  return 'new';
}
