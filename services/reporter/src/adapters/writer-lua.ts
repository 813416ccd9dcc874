/**
 * Lua functions the reporter's scripts share (prepended to a script's body). Times are the
 * Redis server's (TIME, in ms), so copies on hosts with skewed clocks agree on the pacing.
 */
export const NOW_LUA = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * enqueue(queue, due, state, seq, id, inst, now): puts a job at the end of its installation's
 * queue unless it is in it already (then it keeps its place), and puts an installation that
 * had no work on the schedule at the time its next write may go.
 */
export const ENQUEUE_LUA = `
local function enqueue(queue, due, state, seq, id, inst, now)
  if redis.call('ZSCORE', queue, id) then return 0 end
  redis.call('ZADD', queue, redis.call('INCR', seq), id)
  if not redis.call('ZSCORE', due, inst) then
    local next_at = tonumber(redis.call('HGET', state, 'next_at') or '0') or 0
    redis.call('ZADD', due, math.max(now, next_at), inst)
  end
  return 1
end
`;

/**
 * release(lease, due, queue, state, token, inst): gives up the installation's lease, if still
 * ours, and puts the installation back on the schedule at its next write time (off it when
 * its queue is empty). A lease lost meanwhile leaves the schedule to its new holder.
 */
export const RELEASE_LUA = `
local function release(lease, due, queue, state, token, inst)
  if redis.call('GET', lease) ~= token then return 0 end
  redis.call('DEL', lease)
  if redis.call('ZCARD', queue) == 0 then
    redis.call('ZREM', due, inst)
  else
    redis.call('ZADD', due, tonumber(redis.call('HGET', state, 'next_at') or '0') or 0, inst)
  end
  return 1
end
`;
