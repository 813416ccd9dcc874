import { checkIdentityFields, defineScript, type Keys, type Redis } from '@solstice/shared';

// A record an operator vouches for, made only where there is none (the reporter may have
// made one since). KEYS: record. ARGV: ttl s, field pairs… Returns 1 when made.
const vouchScript = defineScript<number>(
  'cliVouchRecord',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local args = {}
for f = 2, #ARGV do args[#args + 1] = ARGV[f] end
redis.call('HSET', KEYS[1], unpack(args))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`,
);

/** What a reporter before the per-job records kept (keys.legacyCheckRun, JSON). */
interface LegacyRecord {
  name?: string;
  installation_id?: number;
  check_run_id?: number;
  delivery?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The record of a JobResult an operator trusts (`results replay --trust`): its repository and
 * commit from the result; the run's name, installation and id from an older reporter's record
 * when there is one (so the run it made is completed, not a second one made), else the name is
 * GITHUB_CHECK_NAME alone. The reason it cannot be made, or how it was.
 */
export async function vouchFor(
  redis: Redis,
  keys: Keys,
  result: Record<string, unknown>,
  ttlSeconds: number,
): Promise<{ how: string } | string> {
  const requestId = str(result.request_id)!;
  const owner = str(result.repo_owner);
  const repo = str(result.repo_name);
  const sha = str(result.commit_sha);
  if (!owner || !repo || !sha)
    return '--trust needs repo_owner, repo_name and commit_sha in the result';
  let legacy: LegacyRecord = {};
  try {
    legacy = JSON.parse((await redis.get(keys.legacyCheckRun(requestId))) ?? '{}') as LegacyRecord;
  } catch {
    // Not readable: vouch without it.
  }
  const fields = {
    ...checkIdentityFields({
      request_id: requestId,
      owner,
      repo,
      head_sha: sha,
      installation_id: legacy.installation_id ?? null,
      name: legacy.name ?? '',
      job_id: null,
      workflow_error: '',
      delivery: legacy.delivery ?? '',
      group_id: null,
    }),
    source: 'operator',
    ...(legacy.check_run_id ? { run_id: String(legacy.check_run_id) } : {}),
  };
  await vouchScript(
    redis,
    [keys.checkRecord(requestId)],
    [ttlSeconds, ...Object.entries(fields).flat()],
  );
  return {
    how: legacy.check_run_id
      ? `vouched for; completes run ${legacy.check_run_id} an older reporter made`
      : 'vouched for (--trust)',
  };
}
