import { fieldsToObject, type Redis } from '@solstice/shared';
import { CliError } from './cli-error.js';
import { defineRedisCommand } from './command.js';
import { stringOption } from './parse-command-args.js';
import { withRedis, type RedisTarget } from './redis-settings.js';

interface StoredEvent {
  hookId: string;
  entryId: string;
  fields: string[];
}

type RawEntry = [string, string[]];

// SCAN MATCH takes a glob: a delivery id is a GUID, but escape anything glob-special anyway.
const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/** The dedupe keys of a delivery: one per hook that received it. */
async function deliveryKeys(
  redis: Redis,
  target: RedisTarget,
  deliveryId: string,
  hookId: string | undefined,
): Promise<{ key: string; hookId: string }[]> {
  if (hookId !== undefined) {
    const key = target.keys.delivery(hookId, deliveryId);
    return (await redis.exists(key)) ? [{ key, hookId }] : [];
  }
  const prefix = `${target.streamPrefix}:delivery:`;
  const found: { key: string; hookId: string }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${escapeGlob(prefix)}*:${escapeGlob(deliveryId)}`,
      'COUNT',
      1000,
    );
    cursor = next;
    for (const key of keys) {
      const hook = key.slice(prefix.length, key.length - deliveryId.length - 1);
      found.push({ key, hookId: hook });
    }
  } while (cursor !== '0');
  return found;
}

/** When the dedupe key has expired: the events stream itself, searched by its delivery field. */
async function searchStream(
  redis: Redis,
  stream: string,
  deliveryId: string,
  hookId: string | undefined,
): Promise<StoredEvent[]> {
  const found: StoredEvent[] = [];
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(stream, start, '+', 'COUNT', 500)) as RawEntry[];
    for (const [id, flat] of page) {
      const f = fieldsToObject(flat);
      if (f.delivery === deliveryId && (hookId === undefined || f.hook_id === hookId))
        found.push({ hookId: f.hook_id ?? '', entryId: id, fields: flat });
    }
    if (page.length < 500) return found;
    start = `(${page[page.length - 1]![0]}`;
  }
}

async function findStoredEvent(
  redis: Redis,
  target: RedisTarget,
  deliveryId: string,
  hookId: string | undefined,
): Promise<StoredEvent> {
  const stream = target.keys.events;
  const candidates: StoredEvent[] = [];
  for (const { key, hookId: hook } of await deliveryKeys(redis, target, deliveryId, hookId)) {
    const entryId = await redis.get(key);
    if (entryId === null) continue;
    if (entryId === 'ping')
      throw new CliError(`delivery ${deliveryId} was a ping: there is nothing to replay`);
    const [entry] = (await redis.xrange(stream, entryId, entryId)) as RawEntry[];
    if (!entry)
      throw new CliError(
        `delivery ${deliveryId} (hook ${hook}) was stored as ${stream} entry ${entryId}, ` +
          'which has been trimmed since (STREAM_MAX_AGE_MS / STREAM_MAXLEN): ask GitHub to redeliver it',
      );
    candidates.push({ hookId: hook, entryId, fields: entry[1] });
  }
  if (candidates.length === 0)
    candidates.push(...(await searchStream(redis, stream, deliveryId, hookId)));
  if (candidates.length === 0)
    throw new CliError(
      `no stored event for delivery ${deliveryId}${hookId === undefined ? '' : ` and hook ${hookId}`} ` +
        `in ${stream} (wrong STREAM_PREFIX, or it was never stored or has been trimmed)`,
    );
  const hooks = [...new Set(candidates.map((c) => c.hookId))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  if (hooks.length > 1)
    throw new CliError(
      `delivery ${deliveryId} reached several hooks (${hooks.join(', ')}): choose one with --hook-id`,
    );
  return candidates[0]!;
}

export const replayCommand = defineRedisCommand({
  name: 'replay',
  usage: 'replay <delivery-id> [--hook-id N]',
  summary: 'add a stored webhook delivery to the events stream again, to be processed again',
  options: { 'hook-id': { type: 'string' } },
  positionals: { min: 1, max: 1, names: 'one delivery id (the X-GitHub-Delivery GUID)' },
  async run(args, ctx, target) {
    const deliveryId = args.positionals[0]!;
    const hookId = stringOption(args, 'hook-id');
    await withRedis(ctx, target, async (redis) => {
      const stored = await findStoredEvent(redis, target, deliveryId, hookId);
      const newId = (await redis.xadd(target.keys.events, '*', ...stored.fields))!;
      ctx.out(
        `replayed delivery ${deliveryId} (hook ${stored.hookId}): ${target.keys.events} entry ` +
          `${stored.entryId} added again as ${newId}; the expander will process it again.`,
      );
      ctx.out(
        'Its group_id and request_ids stay the same (they derive from the delivery id), so the ' +
          'JobRequests are duplicates by message_id and the reporter does not create a second Check Run.',
      );
    });
    return 0;
  },
});
