import { deadStreamOf, defineScript, type Redis } from '@solstice/shared';
import { defineRedisCommand } from './command.js';
import { CliError, usageError } from './cli-error.js';
import { resolveStream, withRedis } from './redis-settings.js';

// Back to the stream, or not at all: the entry is added again without the dead_* fields
// the runner put on it and deleted from the dead stream in one step, so it is never both
// (a lost reply then leaves it moved once, never twice) nor neither.
// KEYS: dead stream, stream. ARGV: dead entry id. Returns the new entry id, or false when
// the dead entry is not there (already moved).
const moveBackScript = defineScript<string | null>(
  'cliMoveBack',
  `
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return false end
local flat = found[1][2]
local args = {}
for i = 1, #flat, 2 do
  if string.sub(flat[i], 1, 5) ~= 'dead_' then
    args[#args + 1] = flat[i]
    args[#args + 1] = flat[i + 1]
  end
end
if #args == 0 then return redis.error_reply('dead entry ' .. ARGV[1] .. ' has no fields to retry') end
local id = redis.call('XADD', KEYS[2], '*', unpack(args))
redis.call('XDEL', KEYS[1], ARGV[1])
return id
`,
);

/** Moves one dead entry back to its stream; null when it is no longer in the dead stream. */
export async function moveBack(
  redis: Redis,
  stream: string,
  deadId: string,
): Promise<string | null> {
  return moveBackScript(redis, [deadStreamOf(stream), stream], [deadId]);
}

/** Every id of the dead stream, oldest first. */
async function allDeadIds(redis: Redis, dead: string): Promise<string[]> {
  const ids: string[] = [];
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(dead, start, '+', 'COUNT', 500)) as [string, string[]][];
    ids.push(...page.map(([id]) => id));
    if (page.length < 500) return ids;
    start = `(${page[page.length - 1]![0]}`;
  }
}

export const deadRetryCommand = defineRedisCommand({
  name: 'dead retry',
  usage: 'dead retry <events|jobs|checks|stream> (--id ID … | --all)',
  summary:
    'move dead entries back to their stream (without the dead_* fields), to be handled again',
  options: { id: { type: 'string', multiple: true }, all: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: 'a stream (events, jobs, checks or a full name)' },
  async run(args, ctx, target) {
    const ids = (args.options.id as string[] | undefined) ?? [];
    const all = args.options.all === true;
    if (all === ids.length > 0)
      throw usageError('needs either --id <dead entry id> (repeatable) or --all');
    const stream = resolveStream(args.positionals[0]!, target);
    const missing = await withRedis(ctx, target, async (redis) => {
      const todo = all ? await allDeadIds(redis, deadStreamOf(stream)) : ids;
      const notFound: string[] = [];
      for (const id of todo) {
        const newId = await moveBack(redis, stream, id);
        if (newId === null) notFound.push(id);
        else ctx.out(`${deadStreamOf(stream)} ${id} → ${stream} ${newId}`);
      }
      const moved = todo.length - notFound.length;
      ctx.out(`moved ${moved} ${moved === 1 ? 'entry' : 'entries'} back to ${stream}`);
      return notFound;
    });
    if (missing.length > 0)
      throw new CliError(
        `not in ${deadStreamOf(stream)} (already moved, or a wrong id): ${missing.join(', ')}`,
      );
    return 0;
  },
});
