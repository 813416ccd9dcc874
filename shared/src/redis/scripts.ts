import type { Redis } from 'ioredis';
import type { DeadBounds } from './dead-bounds.js';
import { defineScript } from './define-script.js';

// Checks made before a script's first write, so that it writes all or nothing: a key of the
// wrong type (WRONGTYPE) or a missing group would otherwise fail half-way, after the XACK.
// The refusal is an error reply starting with REFUSED (see isRefusal).
const PRECONDITIONS = `
local function wrongType(k, want)
  local t = redis.call('TYPE', k).ok
  if t ~= want and t ~= 'none' then return k .. ' is a ' .. t .. ', not a ' .. want end
  return nil
end
local function refuse(why) return redis.error_reply('REFUSED ' .. why .. '; nothing was written') end
local function noGroup(stream, group)
  local r = redis.pcall('XACK', stream, group, '0-1')
  if type(r) == 'table' and r.err then return stream .. ': ' .. r.err end
  return nil
end
`;

// Ack + add outputs, or neither: each entry's outputs are added only if its XACK took
// effect, so a script re-sent after a reconnect (ioredis autoResendUnfulfilledCommands)
// or a batch retried after a crash cannot add them twice. Every key is checked first.
// KEYS: input stream, errors hash, output streams…
// ARGV: group, entry count, then per entry: id, output count,
//       then per output: KEYS index, field-pair count, f1, v1, …
const ackAndAddScript = defineScript<number[]>(
  'ackAndAdd',
  `${PRECONDITIONS}
local group = ARGV[1]
local why = wrongType(KEYS[1], 'stream') or wrongType(KEYS[2], 'hash') or noGroup(KEYS[1], group)
if why then return refuse(why) end
for k = 3, #KEYS do
  why = wrongType(KEYS[k], 'stream')
  if why then return refuse(why) end
end
local n = tonumber(ARGV[2])
local i = 3
local result = {}
for e = 1, n do
  local id = ARGV[i]
  local nout = tonumber(ARGV[i + 1])
  i = i + 2
  local acked = redis.call('XACK', KEYS[1], group, id)
  for o = 1, nout do
    local k = tonumber(ARGV[i])
    local nf = tonumber(ARGV[i + 1])
    i = i + 2
    if acked == 1 then
      local args = {}
      for f = 0, 2 * nf - 1 do args[#args + 1] = ARGV[i + f] end
      redis.call('XADD', KEYS[k], '*', unpack(args))
    end
    i = i + 2 * nf
  end
  if acked == 1 then redis.call('HDEL', KEYS[2], id) end
  result[e] = acked
end
return result
`,
);

// Dead-letter + ack, or neither: the entry moves to the dead stream with its error only
// if this call acked it, so it is never both dead and pending, nor dead twice. The dead
// stream keeps at most ARGV[3] entries, none older than ARGV[4] ms (Redis's clock).
// KEYS: input stream, dead stream, errors hash.
// ARGV: group, id, max length, max age ms, then the dead entry's field pairs.
// Returns {1 if moved, entries the bounds dropped}.
const deadLetterScript = defineScript<[number, number]>(
  'deadLetter',
  `${PRECONDITIONS}
local why = wrongType(KEYS[1], 'stream') or wrongType(KEYS[2], 'stream')
  or wrongType(KEYS[3], 'hash') or noGroup(KEYS[1], ARGV[1])
if why then return refuse(why) end
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
local dropped = 0
if acked == 1 then
  local args = {}
  for f = 5, #ARGV do args[#args + 1] = ARGV[f] end
  local before = redis.call('XLEN', KEYS[2])
  redis.call('XADD', KEYS[2], 'MAXLEN', '=', ARGV[3], '*', unpack(args))
  dropped = before + 1 - redis.call('XLEN', KEYS[2])
  local t = redis.call('TIME')
  local minId = (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) - tonumber(ARGV[4])
  dropped = dropped + redis.call('XTRIM', KEYS[2], 'MINID', '=', string.format('%d', minId))
  redis.call('HDEL', KEYS[3], ARGV[2])
end
return {acked, dropped}
`,
);

/** A script that refused to run (a key of the wrong type, a missing group): it wrote nothing. */
export function isRefusal(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('REFUSED ');
}

// Store a delivery once: the dedupe mark and the XADD happen together or not at all
// (a MULTI cannot make the XADD depend on the mark). Returns {entry id, 1 if new else 0};
// the mark keeps the entry id so a delivery can be found and replayed.
// KEYS: dedupe key, stream. ARGV: ttl seconds, field pairs…
const storeOnceScript = defineScript<[string, number]>(
  'storeOnce',
  `
local existing = redis.call('GET', KEYS[1])
if existing then return {existing, 0} end
local args = {}
for f = 2, #ARGV do args[#args + 1] = ARGV[f] end
local id = redis.call('XADD', KEYS[2], '*', unpack(args))
redis.call('SET', KEYS[1], id, 'EX', tonumber(ARGV[1]))
return {id, 1}
`,
);

export interface Output {
  stream: string;
  fields: Record<string, string>;
}

/** Acks each entry and adds its outputs in one script; returns which entries it acked. */
export async function ackAndAdd(
  redis: Redis,
  stream: string,
  group: string,
  errorsKey: string,
  entries: { id: string; outputs: Output[] }[],
): Promise<boolean[]> {
  if (entries.length === 0) return [];
  const keys = [stream, errorsKey];
  const keyIndex = new Map<string, number>();
  const args: (string | number)[] = [group, entries.length];
  for (const entry of entries) {
    args.push(entry.id, entry.outputs.length);
    for (const out of entry.outputs) {
      let k = keyIndex.get(out.stream);
      if (k === undefined) {
        keys.push(out.stream);
        k = keys.length; // Lua's KEYS is 1-based
        keyIndex.set(out.stream, k);
      }
      const pairs = Object.entries(out.fields);
      args.push(k, pairs.length);
      for (const [f, v] of pairs) args.push(f, v);
    }
  }
  const acked = await ackAndAddScript(redis, keys, args);
  return acked.map((a) => a === 1);
}

/**
 * Moves one pending entry to the dead stream (with `fields`) and acks it, keeping the dead
 * stream within `bounds`; `moved` is false when the entry was no longer pending here.
 */
export async function deadLetter(
  redis: Redis,
  stream: string,
  deadStream: string,
  errorsKey: string,
  group: string,
  id: string,
  fields: Record<string, string>,
  bounds: DeadBounds,
): Promise<{ moved: boolean; dropped: number }> {
  const args: (string | number)[] = [group, id, bounds.maxLen, bounds.maxAgeMs];
  for (const [f, v] of Object.entries(fields)) args.push(f, v);
  const [moved, dropped] = await deadLetterScript(redis, [stream, deadStream, errorsKey], args);
  return { moved: moved === 1, dropped: Number(dropped) };
}

/** Adds the entry unless `dedupeKey` exists; returns the entry id and whether it is new. */
export async function storeOnce(
  redis: Redis,
  dedupeKey: string,
  stream: string,
  ttlSeconds: number,
  fields: Record<string, string>,
): Promise<{ id: string; created: boolean }> {
  const args: (string | number)[] = [ttlSeconds];
  for (const [f, v] of Object.entries(fields)) args.push(f, v);
  const [id, created] = await storeOnceScript(redis, [dedupeKey, stream], args);
  return { id, created: created === 1 };
}
