import { defineScript, type Redis } from '@solstice/shared';
import type { CheckRecord } from '../check-record.js';

// Claim the right to create a request's Check Run, or neither: the record is written only
// when there is none, or when it is a "creating" claim older than the lease (its holder
// died, maybe after GitHub created the run: the new holder looks the run up first).
// Redis time, so copies on hosts with skewed clocks agree on the lease. The claim fields
// are appended as text: cjson would re-encode the numbers with 14 digits.
// KEYS: record. ARGV: record JSON without claim fields, token, lease ms, ttl s.
// Returns {'claimed' | 'took-over' | 'held', the record found or ''}.
const claimScript = defineScript<[Claim['kind'], string]>(
  'reporterClaimCheck',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = redis.call('GET', KEYS[1])
local function put(kind)
  local rec = string.sub(ARGV[1], 1, -2) .. ',"claim":"' .. ARGV[2] .. '","claimed_at":' .. string.format('%d', now) .. '}'
  redis.call('SET', KEYS[1], rec, 'EX', tonumber(ARGV[4]))
  return {kind, cur or ''}
end
if not cur then return put('claimed') end
local rec = cjson.decode(cur)
if rec.state == 'creating' and (tonumber(rec.claimed_at) or 0) + tonumber(ARGV[3]) <= now then
  return put('took-over')
end
return {'held', cur}
`,
);

// Replace our own claim with the settled record, or nothing: a claim another copy took
// over in the meantime is left to that copy. KEYS: record. ARGV: record JSON, token, ttl s.
// Returns '' when written, else the record that holds the key.
const settleScript = defineScript<string>(
  'reporterSettleCheck',
  `
local cur = redis.call('GET', KEYS[1])
if cur then
  local rec = cjson.decode(cur)
  if rec.state ~= 'creating' or rec.claim ~= ARGV[2] then return cur end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[3]))
return ''
`,
);

// Give up our claim: delete it (nothing was created), or, when GitHub may have created the
// run after all (a timeout, a 5xx), age it at once so the next claimer looks the run up first.
// KEYS: record. ARGV: token, 'uncertain' or ''.
const releaseScript = defineScript<number>(
  'reporterReleaseCheck',
  `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.state ~= 'creating' or rec.claim ~= ARGV[1] then return 0 end
if ARGV[2] == 'uncertain' then
  local aged = string.gsub(cur, '"claimed_at":%d+', '"claimed_at":0')
  redis.call('SET', KEYS[1], aged, 'KEEPTTL')
else
  redis.call('DEL', KEYS[1])
end
return 1
`,
);

export type Claim = { kind: 'claimed' | 'took-over' } | { kind: 'held'; record: CheckRecord };

/** The Check Run records in Redis: one JSON string per request_id, with a TTL. */
export interface CheckStore {
  get(requestId: string): Promise<CheckRecord | undefined>;
  /** Claims the request for creating its run (the record is stored with state `creating`). */
  claim(record: CheckRecord, token: string): Promise<Claim>;
  /** Stores the record in place of our claim; returns the record that holds it otherwise. */
  settle(record: CheckRecord, token: string): Promise<CheckRecord | undefined>;
  release(requestId: string, token: string, uncertain: boolean): Promise<void>;
  put(record: CheckRecord): Promise<void>;
}

export interface CheckStoreOptions {
  redis: Redis;
  /** keys.checkRun */
  keyFor: (requestId: string) => string;
  ttlSeconds: number;
  leaseMs: number;
}

const encode = (record: CheckRecord): string => {
  const { claim: _c, claimed_at: _a, ...rest } = record;
  return JSON.stringify(rest);
};

export function createCheckStore(o: CheckStoreOptions): CheckStore {
  return {
    async get(requestId) {
      const text = await o.redis.get(o.keyFor(requestId));
      return text ? (JSON.parse(text) as CheckRecord) : undefined;
    },
    async claim(record, token) {
      const [kind, found] = await claimScript(
        o.redis,
        [o.keyFor(record.request_id)],
        [encode({ ...record, state: 'creating' }), token, o.leaseMs, o.ttlSeconds],
      );
      return kind === 'held'
        ? { kind, record: JSON.parse(found) as CheckRecord }
        : { kind: kind as 'claimed' | 'took-over' };
    },
    async settle(record, token) {
      const found = await settleScript(
        o.redis,
        [o.keyFor(record.request_id)],
        [encode(record), token, o.ttlSeconds],
      );
      return found === '' ? undefined : (JSON.parse(found) as CheckRecord);
    },
    async release(requestId, token, uncertain) {
      await releaseScript(o.redis, [o.keyFor(requestId)], [token, uncertain ? 'uncertain' : '']);
    },
    async put(record) {
      await o.redis.set(o.keyFor(record.request_id), encode(record), 'EX', o.ttlSeconds);
    },
  };
}
