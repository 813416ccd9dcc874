import {
  checkIdentityFields,
  checkIdentityOf,
  defineScript,
  type JobEnvelope,
  type Redis,
} from '@solstice/shared';

// The identity of a job, written once: a record that exists is left as it is (a JobRequest
// published again after a crash has the same identity, and the reporter may have added the
// wanted and shown state since); its TTL starts again.
// KEYS: record. ARGV: ttl seconds, field pairs…
const writeIdentityScript = defineScript<number>(
  'publisherWriteIdentity',
  `
local created = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  local args = {}
  for f = 2, #ARGV do args[#args + 1] = ARGV[f] end
  redis.call('HSET', KEYS[1], 'source', 'publisher', unpack(args))
  created = 1
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return created
`,
);

/**
 * Writes each job's record (CheckIdentity) before its JobRequest is published: the record is
 * the reporter's proof that the pipeline published the request, and gives a result that
 * overtakes the `{P}:checks` entry the run's name and repository. The scripts go out together
 * (one round trip for the batch).
 */
export function checkIdentityWriter(o: {
  redis: Redis;
  keyFor: (requestId: string) => string;
  ttlSeconds: number;
}): (envelopes: JobEnvelope[]) => Promise<void> {
  return async (envelopes) => {
    await Promise.all(
      envelopes.map((e) => {
        const pairs = Object.entries(checkIdentityFields(checkIdentityOf(e))).flat();
        return writeIdentityScript(o.redis, [o.keyFor(e.job.request_id)], [o.ttlSeconds, ...pairs]);
      }),
    );
  };
}
