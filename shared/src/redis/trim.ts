import type { Redis } from 'ioredis';
import { compareStreamIds, fieldsToObject, minStreamId, nextStreamId } from './stream-ids.js';

export interface TrimPolicy {
  /** Keep at most about this many entries (0: no length limit). */
  maxLen: number;
  /** Drop entries older than this (0: no age limit). */
  maxAgeMs: number;
  intervalMs: number;
}

// How many entries one pass may remove for the length limit: bounded work per pass.
const LENGTH_STEP = 1000;

/**
 * The lowest id some group still needs: its oldest pending entry, or the first entry after
 * its last-delivered id. Undefined when no group reads the stream (then nothing is trimmed).
 */
export async function oldestNeededId(redis: Redis, stream: string): Promise<string | undefined> {
  const groups = (await redis.xinfo('GROUPS', stream)) as string[][];
  if (groups.length === 0) return undefined;
  const bounds: string[] = [];
  for (const flat of groups) {
    const g = fieldsToObject(flat.map(String));
    const pending = Number(g.pending ?? 0);
    if (pending > 0) {
      const summary = (await redis.xpending(stream, g.name!)) as [number, string, string, unknown];
      bounds.push(summary[1]);
    } else {
      bounds.push(nextStreamId(g['last-delivered-id'] ?? '0-0'));
    }
  }
  return minStreamId(bounds);
}

/**
 * Trims by length and age with XTRIM MINID, never past an entry a group still owns or has
 * not read: plain MAXLEN could delete pending entries (RELIABILITY.md).
 */
export async function trimStream(
  redis: Redis,
  stream: string,
  policy: TrimPolicy,
): Promise<number> {
  if (policy.maxLen <= 0 && policy.maxAgeMs <= 0) return 0;
  const safe = await oldestNeededId(redis, stream);
  if (safe === undefined) return 0;
  const wanted: string[] = [];
  if (policy.maxAgeMs > 0) wanted.push(`${Date.now() - policy.maxAgeMs}-0`);
  if (policy.maxLen > 0) {
    const excess = (await redis.xlen(stream)) - policy.maxLen;
    if (excess > 0) {
      const oldest = (await redis.xrange(
        stream,
        '-',
        '+',
        'COUNT',
        Math.min(excess, LENGTH_STEP),
      )) as [string, string[]][];
      const last = oldest[oldest.length - 1];
      if (last) wanted.push(nextStreamId(last[0]));
    }
  }
  // The larger of the wanted bounds removes the most; the safe bound caps it.
  let target: string | undefined;
  for (const w of wanted) if (target === undefined || compareStreamIds(w, target) > 0) target = w;
  if (target === undefined) return 0;
  const minId = compareStreamIds(target, safe) < 0 ? target : safe;
  return await redis.xtrim(stream, 'MINID', minId);
}
