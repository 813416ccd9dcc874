import { deadStreamOf, fieldsToObject, type Redis } from '@solstice/shared';
import { defineRedisCommand } from './command.js';
import { withRedis } from './redis-settings.js';

export interface GroupState {
  name: string;
  consumers: number;
  pending: number;
  /** Entries not yet read by the group; null when Redis cannot tell (before 7.0, or after a trim). */
  lag: number | null;
}

export interface StreamState {
  stream: string;
  length: number;
  dead: number;
  groups: GroupState[];
}

/** Length, dead count and every group's pending and lag of one stream (absent = empty). */
export async function streamState(redis: Redis, stream: string): Promise<StreamState> {
  const [length, dead] = await Promise.all([redis.xlen(stream), redis.xlen(deadStreamOf(stream))]);
  let groups: GroupState[] = [];
  if ((await redis.exists(stream)) === 1) {
    const reply = (await redis.xinfo('GROUPS', stream)) as unknown[][];
    groups = reply.map((flat) => {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- XINFO GROUPS answers strings and integers
      const g = fieldsToObject(flat.map((v) => (v === null ? 'null' : String(v))));
      const lag = g.lag === undefined || g.lag === 'null' ? null : Number(g.lag);
      return {
        name: g.name ?? '?',
        consumers: Number(g.consumers ?? 0),
        pending: Number(g.pending ?? 0),
        lag,
      };
    });
  }
  return { stream, length, dead, groups };
}

/** Rows of a plain-text table, columns padded to their widest cell. */
export function formatTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 || c === 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

export const streamsCommand = defineRedisCommand({
  name: 'streams',
  usage: 'streams [--json]',
  summary: 'length, dead entries, and pending and lag per group of events, jobs and checks',
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run(args, ctx, target) {
    const states = await withRedis(ctx, target, (redis) =>
      Promise.all(
        [target.keys.events, target.keys.jobs, target.keys.checks].map((s) =>
          streamState(redis, s),
        ),
      ),
    );
    if (args.options.json) {
      ctx.out(JSON.stringify(states, null, 2));
      return 0;
    }
    const rows = [['stream', 'length', 'dead', 'group', 'pending', 'lag', 'consumers']];
    for (const s of states) {
      const head = [s.stream, String(s.length), String(s.dead)];
      if (s.groups.length === 0) rows.push([...head, '(no group)', '-', '-', '-']);
      for (const g of s.groups)
        rows.push([
          ...head,
          g.name,
          String(g.pending),
          g.lag === null ? '?' : String(g.lag),
          String(g.consumers),
        ]);
    }
    for (const line of formatTable(rows)) ctx.out(line);
    return 0;
  },
});
