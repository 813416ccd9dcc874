// The Lua scripts of the installation writers (docs/architecture.md). Each is one atomic
// step on the schedule, a lease, an installation's pace and a job's record.
import { defineScript } from '@solstice/shared';
import { ENQUEUE_LUA, NOW_LUA, RELEASE_LUA } from './writer-lua.js';

// Installations whose next write may go now (at most ARGV[1]), and in how many ms the next
// one after them may (-1: none). KEYS: due.
export const scanScript = defineScript<[string[], number]>(
  'writerScan',
  `${NOW_LUA}
local now = now_ms()
local ready = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local later = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local wait = -1
if #later > 0 then wait = tonumber(later[2]) - now end
return {ready, wait}
`,
);

// Take an installation's lease (one writer per installation across every copy), or not; a
// taken installation leaves the schedule until the lease would lapse, so other copies skip
// it, and a copy that dies holding it is replaced then. KEYS: lease, due. ARGV: token, ms, inst.
export const acquireScript = defineScript<number>(
  'writerAcquire',
  `${NOW_LUA}
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return 0 end
redis.call('ZADD', KEYS[2], 'XX', now_ms() + tonumber(ARGV[2]), ARGV[3])
return 1
`,
);

// Keep holding the lease while a write takes long. KEYS: lease, due. ARGV: token, ms, inst.
export const renewScript = defineScript<number>(
  'writerRenew',
  `${NOW_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], 'XX', now_ms() + tonumber(ARGV[2]), ARGV[3])
return 1
`,
);

// A write may go only with the lease and once the installation's pace allows it: the start
// is the last write (a copy that dies mid-call leaves its successor the same wait), and a
// create is marked in flight on the record (a successor looks the run up before creating).
// KEYS: lease, state, record. ARGV: token, gap ms, '1' to mark in flight.
// Returns {'go' | 'wait' (ms left) | 'lost', ms}.
export const beginScript = defineScript<[string, number]>(
  'writerBegin',
  `${NOW_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost', 0} end
local now = now_ms()
local next_at = tonumber(redis.call('HGET', KEYS[2], 'next_at') or '0') or 0
if now < next_at then return {'wait', next_at - now} end
redis.call('HSET', KEYS[2], 'last_write', now, 'next_at', now + tonumber(ARGV[2]))
if ARGV[3] == '1' then redis.call('HSET', KEYS[3], 'inflight', now) end
return {'go', 0}
`,
);

// A write GitHub answered: the record shows version ARGV[3] with run ARGV[4]; a job whose
// wanted state is shown leaves the queue, and the bulky copies of its completion go. A job
// wanted anew while it was written (its result came during the create) goes to the end of the
// queue: that is new work, after the jobs queued before it. The next write of the installation may go one gap
// after this answer, so writes are spaced from answer to start, not only start to start.
// An answer saying the primary rate limit is used up pauses the installation until ARGV[8].
// KEYS: record, queue, due, lease, state, paused, seq. ARGV: id, token, version, run id,
// status, gap ms, inst, paused until (0: not paused).
export const doneScript = defineScript<number>(
  'writerDone',
  `${NOW_LUA}${RELEASE_LUA}
local rec = KEYS[1]
if redis.call('EXISTS', rec) == 1 then
  redis.call('HSET', rec, 'run_id', ARGV[4], 'shown_status', ARGV[5])
  if tonumber(ARGV[3]) > tonumber(redis.call('HGET', rec, 'shown_v') or '0') then
    redis.call('HSET', rec, 'shown_v', ARGV[3])
  end
  redis.call('HDEL', rec, 'inflight', 'attempts', 'last_error')
  if tonumber(redis.call('HGET', rec, 'shown_v')) >= tonumber(redis.call('HGET', rec, 'want_v') or '0') then
    redis.call('HDEL', rec, 'completion', 'result')
    redis.call('ZREM', KEYS[2], ARGV[1])
  elseif redis.call('ZSCORE', KEYS[2], ARGV[1]) then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[7]), ARGV[1])
  end
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
local now = now_ms()
local next_at = now + tonumber(ARGV[6])
local till = tonumber(ARGV[8])
if till > 0 then
  redis.call('HSET', KEYS[5], 'paused_until', till, 'paused_why', 'x-ratelimit-remaining: 0')
  redis.call('ZADD', KEYS[6], till, ARGV[7])
  next_at = math.max(next_at, till)
end
redis.call('HSET', KEYS[5], 'last_write', now, 'next_at', next_at)
return release(KEYS[4], KEYS[3], KEYS[2], KEYS[5], ARGV[2], ARGV[7])
`,
);

// A write that failed: 'pause' the installation until ARGV[5] (a rate limit: not the job's
// fault), 'retry' it after ARGV[5] ms (the job keeps its place and counts an attempt), or
// 'giveup' (already dead-lettered: the job leaves the queue). A create that may have reached
// GitHub stays marked in flight (ARGV[6] = '1').
// KEYS: record, queue, due, lease, state, paused. ARGV: id, token, kind, ms, gap ms,
// keep in flight, error, inst.
export const failScript = defineScript<number>(
  'writerFail',
  `${NOW_LUA}${RELEASE_LUA}
local rec, kind = KEYS[1], ARGV[3]
local now = now_ms()
local next_at = now + tonumber(ARGV[5])
local known = redis.call('EXISTS', rec) == 1
if kind == 'pause' then
  local till = tonumber(ARGV[4])
  redis.call('HSET', KEYS[5], 'paused_until', till, 'paused_why', ARGV[7])
  redis.call('ZADD', KEYS[6], till, ARGV[8])
  next_at = math.max(next_at, till)
elseif kind == 'retry' and known then
  redis.call('HINCRBY', rec, 'attempts', 1)
  redis.call('HSET', rec, 'last_error', ARGV[7])
  next_at = math.max(next_at, now + tonumber(ARGV[4]))
elseif kind == 'giveup' then
  if known then
    redis.call('HSET', rec, 'gave_up', redis.call('HGET', rec, 'want_v') or '0', 'last_error', ARGV[7])
    redis.call('HDEL', rec, 'attempts')
  end
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if ARGV[6] ~= '1' then redis.call('HDEL', rec, 'inflight') end
redis.call('HSET', KEYS[5], 'next_at', next_at)
return release(KEYS[4], KEYS[3], KEYS[2], KEYS[5], ARGV[2], ARGV[8])
`,
);

// The run a lost create made, found by its external_id (or none: ARGV[1] = ''): the record
// takes its id; a run found showing what is wanted needs no write. KEYS: record.
// ARGV: run id, status, conclusion.
export const adoptScript = defineScript<number>(
  'writerAdopt',
  `
local rec = KEYS[1]
if redis.call('EXISTS', rec) == 0 then return 0 end
redis.call('HDEL', rec, 'inflight')
if ARGV[1] == '' then return 0 end
redis.call('HSET', rec, 'run_id', ARGV[1], 'shown_status', ARGV[2])
local want = redis.call('HGET', rec, 'want')
if want == 'queued' or (want == 'completed' and ARGV[2] == 'completed'
    and redis.call('HGET', rec, 'conclusion') == ARGV[3]) then
  redis.call('HSET', rec, 'shown_v', redis.call('HGET', rec, 'want_v') or '0')
end
return 1
`,
);

// A job whose installation became known: to that installation's queue (after its work), and
// the record keeps the installation. KEYS: record, from queue, to queue, due, to state, seq.
// ARGV: id, installation.
export const moveScript = defineScript<number>(
  'writerMove',
  `${NOW_LUA}${ENQUEUE_LUA}
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'installation_id', ARGV[2])
return enqueue(KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[2], now_ms())
`,
);

// A job with nothing to write (shown already, or no record any more) leaves the queue, and
// the lease goes. KEYS: queue, due, lease, state. ARGV: id ('' for none), token, inst.
export const settleScript = defineScript<number>(
  'writerSettle',
  `${RELEASE_LUA}
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
return release(KEYS[3], KEYS[2], KEYS[1], KEYS[4], ARGV[2], ARGV[3])
`,
);
