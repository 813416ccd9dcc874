import { deadStreamOf, fieldsToObject } from '@solstice/shared';
import { defineRedisCommand } from './command.js';
import { usageError } from './cli-error.js';
import { stringOption } from './parse-command-args.js';
import { resolveStream, withRedis } from './redis-settings.js';

export interface DeadEntry {
  id: string;
  fields: Record<string, string>;
}

/** One dead entry in three lines: where it came from, what it was, why it died. */
export function describeDeadEntry(e: DeadEntry): string[] {
  const f = e.fields;
  const what = ['delivery', 'event', 'request_id']
    .filter((k) => f[k] !== undefined && f[k] !== '')
    .map((k) => `${k}=${f[k]}`)
    .join(' ');
  return [
    `${e.id}  from ${f.dead_source_id ?? '?'}  group=${f.dead_group ?? '?'}  ` +
      `deliveries=${f.dead_deliveries ?? '?'}  at=${f.dead_at ?? '?'}`,
    `  ${what || '(no delivery or request_id field)'}`,
    `  error: ${f.dead_error ?? '(none recorded)'}`,
  ];
}

export const deadListCommand = defineRedisCommand({
  name: 'dead list',
  usage: 'dead list <events|jobs|checks|stream> [--count N] [--json]',
  summary: 'show the dead-lettered entries of a stream with their errors (oldest first)',
  options: { count: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: 'a stream (events, jobs, checks or a full name)' },
  async run(args, ctx, target) {
    const countText = stringOption(args, 'count') ?? '100';
    if (!/^\d+$/.test(countText) || Number(countText) < 1)
      throw usageError(`--count: expected a whole number of 1 or more, got '${countText}'`);
    const dead = deadStreamOf(resolveStream(args.positionals[0]!, target));
    const { total, entries } = await withRedis(ctx, target, async (redis) => {
      const raw = (await redis.xrange(dead, '-', '+', 'COUNT', Number(countText))) as [
        string,
        string[],
      ][];
      return {
        total: await redis.xlen(dead),
        entries: raw.map(([id, flat]) => ({ id, fields: fieldsToObject(flat) })),
      };
    });
    if (args.options.json) {
      ctx.out(JSON.stringify({ stream: dead, total, entries }, null, 2));
      return 0;
    }
    for (const e of entries) for (const line of describeDeadEntry(e)) ctx.out(line);
    ctx.out(
      `${total} dead ${total === 1 ? 'entry' : 'entries'} in ${dead}` +
        (total > entries.length ? ` (${entries.length} shown; --count N for more)` : ''),
    );
    return 0;
  },
});
