import {
  checkIdentityFields,
  checkRecordOf,
  defineScript,
  type CheckIdentity,
  type CheckRecord,
  type Keys,
  type Notice,
  type Redis,
} from '@solstice/shared';
import type { NoticeChange } from '../check-run-for.js';
import { ENQUEUE_LUA, NOW_LUA } from './writer-lua.js';

// KEYS (both scripts): record, the installation's queue, due, the installation's state, seq.

// A confirmed JobRequest: its record (created from the entry when the publisher wrote none:
// an entry from before the records) wants a queued run, unless it wants more already (a
// result came first: never back to queued); the job is queued for its installation's writer
// unless GitHub shows what is wanted. A record given up on is tried again.
// ARGV: ttl s, installation, identity field pairs…
// Returns 'queued' | 'shown'.
const recordQueuedScript = defineScript<string>(
  'reporterRecordQueued',
  `${NOW_LUA}${ENQUEUE_LUA}
local rec = KEYS[1]
if redis.call('EXISTS', rec) == 0 then
  local args = {}
  for f = 3, #ARGV do args[#args + 1] = ARGV[f] end
  redis.call('HSET', rec, 'source', 'checks', unpack(args))
end
if not redis.call('HGET', rec, 'want') then
  redis.call('HSET', rec, 'want', 'queued')
  redis.call('HINCRBY', rec, 'want_v', 1)
end
redis.call('EXPIRE', rec, tonumber(ARGV[1]))
local want_v = tonumber(redis.call('HGET', rec, 'want_v') or '0')
if tonumber(redis.call('HGET', rec, 'shown_v') or '0') >= want_v then return 'shown' end
redis.call('HDEL', rec, 'gave_up', 'attempts', 'last_error')
enqueue(KEYS[2], KEYS[3], KEYS[4], KEYS[5], redis.call('HGET', rec, 'request_id'), ARGV[2], now_ms())
return 'queued'
`,
);

// A trusted JobResult: the record wants the run completed with it, unless it already wants
// a result completed later (stale) or this very one (duplicate: queued again only if it was
// given up on). ARGV: ttl s, installation, result_at ms, conclusion, completion JSON, result.
// Returns 'recorded' | 'duplicate' | 'stale' | 'gone' (no record any more).
const recordCompletedScript = defineScript<string>(
  'reporterRecordCompleted',
  `${NOW_LUA}${ENQUEUE_LUA}
local rec = KEYS[1]
if redis.call('EXISTS', rec) == 0 then return 'gone' end
local id = redis.call('HGET', rec, 'request_id')
local at = tonumber(ARGV[3])
local outcome = 'recorded'
if redis.call('HGET', rec, 'want') == 'completed' then
  local wanted_at = tonumber(redis.call('HGET', rec, 'result_at') or '0') or 0
  if at < wanted_at then return 'stale' end
  if at == wanted_at and redis.call('HGET', rec, 'conclusion') == ARGV[4] then outcome = 'duplicate' end
end
if outcome == 'recorded' then
  redis.call('HSET', rec, 'want', 'completed', 'result_at', ARGV[3], 'conclusion', ARGV[4],
    'completion', ARGV[5], 'result', ARGV[6])
  redis.call('HINCRBY', rec, 'want_v', 1)
elseif tonumber(redis.call('HGET', rec, 'shown_v') or '0') >= tonumber(redis.call('HGET', rec, 'want_v') or '0') then
  return 'duplicate'
end
redis.call('HDEL', rec, 'gave_up', 'attempts', 'last_error')
redis.call('EXPIRE', rec, tonumber(ARGV[1]))
enqueue(KEYS[2], KEYS[3], KEYS[4], KEYS[5], id, ARGV[2], now_ms())
return outcome
`,
);

// A notice run (not a job: the expander's `{P}:checks` entry of kind notice): its record is
// made from the notice when there is none, then takes the notice's body (what the next write
// sends) unless it has a later one or is completed and this one is not; the run is queued for
// its installation's writer. KEYS: as above. ARGV: ttl s, installation, at ms, status,
// conclusion ('' none), body JSON, identity field pairs… Returns 'queued' | 'stale'.
const recordNoticeScript = defineScript<string>(
  'reporterRecordNotice',
  `${NOW_LUA}${ENQUEUE_LUA}
local rec = KEYS[1]
if redis.call('EXISTS', rec) == 0 then
  local args = {}
  for f = 7, #ARGV do args[#args + 1] = ARGV[f] end
  redis.call('HSET', rec, 'source', 'notice', unpack(args))
end
local at = tonumber(ARGV[3])
if at <= tonumber(redis.call('HGET', rec, 'notice_at') or '-1') then return 'stale' end
if redis.call('HGET', rec, 'want') == 'completed' and ARGV[4] ~= 'completed' then return 'stale' end
redis.call('HSET', rec, 'want', ARGV[4], 'notice', ARGV[6], 'notice_at', ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', rec, 'conclusion', ARGV[5]) else redis.call('HDEL', rec, 'conclusion') end
redis.call('HINCRBY', rec, 'want_v', 1)
redis.call('HDEL', rec, 'gave_up', 'attempts', 'last_error')
redis.call('EXPIRE', rec, tonumber(ARGV[1]))
enqueue(KEYS[2], KEYS[3], KEYS[4], KEYS[5], redis.call('HGET', rec, 'request_id'), ARGV[2], now_ms())
return 'queued'
`,
);

export type CompletedOutcome = 'recorded' | 'duplicate' | 'stale' | 'gone';

/** What a completed result records: when, how, the write that shows it, the result as it came. */
export interface WantedCompletion {
  resultAt: number;
  conclusion: string;
  completion: string;
  result: string;
}

/** The records of jobs (keys.checkRecord): read them, and record what their runs should show. */
export interface RecordStore {
  get(requestId: string): Promise<CheckRecord | undefined>;
  /** The queued run of a confirmed JobRequest; the job goes to `installation`'s queue. */
  recordQueued(identity: CheckIdentity, installation: string): Promise<'queued' | 'shown'>;
  recordCompleted(
    requestId: string,
    installation: string,
    wanted: WantedCompletion,
  ): Promise<CompletedOutcome>;
  /** A notice run's new state (a later one wins; completed stays completed). */
  recordNotice(notice: Notice, installation: string): Promise<'queued' | 'stale'>;
}

/** The queue a job's writes go to: its installation's, or '0' until the installation is known. */
export const installationMember = (installationId: number | null): string =>
  installationId === null ? '0' : String(installationId);

export function createRecordStore(o: {
  redis: Redis;
  keys: Keys;
  ttlSeconds: number;
}): RecordStore {
  const { redis, keys } = o;
  const keysFor = (requestId: string, installation: string) => [
    keys.checkRecord(requestId),
    keys.writer.queue(installation),
    keys.writer.due,
    keys.writer.state(installation),
    keys.writer.seq,
  ];
  return {
    async get(requestId) {
      return checkRecordOf(await redis.hgetall(keys.checkRecord(requestId)));
    },
    async recordQueued(identity, installation) {
      const pairs = Object.entries(checkIdentityFields(identity)).flat();
      return (await recordQueuedScript(redis, keysFor(identity.request_id, installation), [
        o.ttlSeconds,
        installation,
        ...pairs,
      ])) as 'queued' | 'shown';
    },
    async recordCompleted(requestId, installation, w) {
      return (await recordCompletedScript(redis, keysFor(requestId, installation), [
        o.ttlSeconds,
        installation,
        w.resultAt,
        w.conclusion,
        w.completion,
        w.result,
      ])) as CompletedOutcome;
    },
    async recordNotice(n, installation) {
      const identity = checkIdentityFields({
        request_id: n.notice_id,
        owner: n.owner,
        repo: n.repo,
        head_sha: n.head_sha,
        installation_id: n.installation_id,
        name: n.name,
        job_id: null,
        workflow_error: '',
        delivery: n.delivery,
        group_id: null,
      });
      return (await recordNoticeScript(redis, keysFor(n.notice_id, installation), [
        o.ttlSeconds,
        installation,
        n.at,
        n.status,
        n.conclusion ?? '',
        JSON.stringify(noticeChangeOf(n)),
        ...Object.entries(identity).flat(),
      ])) as 'queued' | 'stale';
    },
  };
}

/** What a notice's writes send: its state, and always its actions ([] takes them away). */
export function noticeChangeOf(n: Notice): NoticeChange {
  return {
    status: n.status,
    ...(n.status === 'completed'
      ? { conclusion: n.conclusion, completed_at: new Date(n.at).toISOString() }
      : {}),
    output: n.output,
    actions: n.actions ?? [],
  };
}
