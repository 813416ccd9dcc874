import type { Redis } from 'ioredis';
import { defineScript } from './define-script.js';

// Takes ONE pending entry from another consumer: from a dead one (its heartbeat expired or
// absent) once the entry is idle past the grace, from a live one only past the hung limit.
// One entry per call, so a crasher among a dead copy's entries does not raise its mates'
// delivery counts (they are claimed, handled and acked one by one). Check and claim are one
// script: a consumer cannot come back between them.
// KEYS: stream, alive ZSET. ARGV: group, self, grace ms, hung ms.
// Returns {} or {from, 'dead'|'hung', id, field list or false (entry deleted), deliveries}.
const claimOneScript = defineScript<
  [] | [string, 'dead' | 'hung', string, string[] | null, number]
>(
  'claimOne',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local consumers = redis.call('XPENDING', KEYS[1], ARGV[1])[4]
if not consumers then return {} end
for _, c in ipairs(consumers) do
  local name = c[1]
  if name ~= ARGV[2] then
    local expiry = redis.call('ZSCORE', KEYS[2], name)
    local dead = (not expiry) or tonumber(expiry) <= now
    local minIdle = ARGV[4]
    if dead then minIdle = ARGV[3] end
    local rows = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', minIdle, '-', '+', 1, name)
    if #rows > 0 then
      local id = rows[1][1]
      local why = 'hung'
      if dead then why = 'dead' end
      local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], minIdle, id)
      local entry = claimed[1]
      if not entry then return {name, why, id, false, rows[1][4]} end
      return {name, why, id, entry[2], rows[1][4] + 1}
    end
  end
end
return {}
`,
);

export interface Claimed {
  from: string;
  why: 'dead' | 'hung';
  id: string;
  /** null: the entry was deleted from the stream (Redis 7 drops it from the PEL itself). */
  fields: string[] | null;
  deliveries: number;
}

export async function claimOne(
  redis: Redis,
  stream: string,
  aliveKey: string,
  group: string,
  self: string,
  graceMs: number,
  hungMs: number,
): Promise<Claimed | undefined> {
  const r = await claimOneScript(redis, [stream, aliveKey], [group, self, graceMs, hungMs]);
  if (r.length === 0) return undefined;
  const [from, why, id, fields, deliveries] = r;
  return { from, why, id, fields: fields || null, deliveries: Number(deliveries) };
}

/**
 * This consumer's own entries left pending (a handler failed, a commit failed), except those
 * in hand, once idle past `minIdleMs` doubled per delivery so far (capped at 32 ×): a blip is
 * retried in seconds, a long outage does not burn MAX_DELIVERIES in a minute. Claimed again
 * (delivery count + 1), with their fields. An entry in `notBefore` (deferred by a RetryLater:
 * a rate limit) is claimed once its time has passed instead, and keeps its delivery count:
 * waiting for GitHub is no delivery.
 */
export async function reclaimOwn(
  redis: Redis,
  stream: string,
  group: string,
  self: string,
  minIdleMs: number,
  count: number,
  inHand: ReadonlySet<string>,
  notBefore: ReadonlyMap<string, number> = new Map(),
  now = Date.now(),
): Promise<{ raw: [string, string[] | null][]; deliveries: Map<string, number> }> {
  const rows = (await redis.xpending(stream, group, 'IDLE', minIdleMs, '-', '+', count, self)) as [
    string,
    string,
    number,
    number,
  ][];
  const due = ([id, , idle, n]: (typeof rows)[number]): boolean => {
    if (inHand.has(id)) return false;
    const until = notBefore.get(id);
    if (until !== undefined) return now >= until;
    return Number(idle) >= minIdleMs * 2 ** Math.min(Math.max(Number(n) - 1, 0), 5);
  };
  const todo = rows.filter(due);
  const deliveries = new Map(
    todo.map(([id, , , n]) => [id, notBefore.has(id) ? Number(n) : Number(n) + 1]),
  );
  if (todo.length === 0) return { raw: [], deliveries };
  const ids = todo.map(([id]) => id);
  const later = ids.filter((id) => notBefore.has(id));
  const retried = ids.filter((id) => !notBefore.has(id));
  const claimed: [string, string[]][] = [];
  if (retried.length > 0)
    claimed.push(
      ...((await redis.xclaim(stream, group, self, minIdleMs, ...retried)) as [string, string[]][]),
    );
  // One XCLAIM per deferred entry: RETRYCOUNT sets its count back to what it was.
  for (const id of later)
    claimed.push(
      ...((await redis.xclaim(
        stream,
        group,
        self,
        minIdleMs,
        id,
        'RETRYCOUNT',
        deliveries.get(id)!,
      )) as [string, string[]][]),
    );
  const present = new Set(claimed.filter(Boolean).map(([id]) => id));
  // Deleted from the stream meanwhile: handed on as gone (acked, with a warning).
  const raw: [string, string[] | null][] = [
    ...claimed.filter(Boolean),
    ...ids.filter((id) => !present.has(id)).map((id): [string, null] => [id, null]),
  ];
  return { raw, deliveries };
}
