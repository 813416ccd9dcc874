import type { Redis } from 'ioredis';
import { defineScript } from './define-script.js';

// Ack + add outputs, or neither: each entry's outputs are added only if its XACK took
// effect, so a script re-sent after a reconnect (ioredis autoResendUnfulfilledCommands)
// or a batch retried after a crash cannot add them twice.
// KEYS: input stream, errors hash, output streams…
// ARGV: group, entry count, then per entry: id, output count,
//       then per output: KEYS index, field-pair count, f1, v1, …
const ackAndAddScript = defineScript<number[]>(
  'ackAndAdd',
  `
local group = ARGV[1]
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
// if this call acked it, so it is never both dead and pending, nor dead twice.
// KEYS: input stream, dead stream, errors hash. ARGV: group, id, then the dead entry's field pairs.
const deadLetterScript = defineScript<number>(
  'deadLetter',
  `
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
  local args = {}
  for f = 3, #ARGV do args[#args + 1] = ARGV[f] end
  redis.call('XADD', KEYS[2], '*', unpack(args))
  redis.call('HDEL', KEYS[3], ARGV[2])
end
return acked
`,
);

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

export async function deadLetter(
  redis: Redis,
  stream: string,
  deadStream: string,
  errorsKey: string,
  group: string,
  id: string,
  fields: Record<string, string>,
): Promise<boolean> {
  const args: string[] = [group, id];
  for (const [f, v] of Object.entries(fields)) args.push(f, v);
  return (await deadLetterScript(redis, [stream, deadStream, errorsKey], args)) === 1;
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
