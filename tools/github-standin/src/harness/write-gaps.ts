import type { WriteRecord } from '../server.js';

export interface WriteGaps {
  writes: number;
  /** Smallest time from one write's arrival to the next one's (ms); undefined under 2 writes. */
  smallestGapMs: number | undefined;
  /** Writes that came before the previous one was answered: 0 when writes are serial. */
  overlapping: number;
}

/** How one installation's writes were spaced, from the stand-in's log (in arrival order). */
export function writeGaps(writes: WriteRecord[]): WriteGaps {
  let smallest: number | undefined;
  let overlapping = 0;
  for (let i = 1; i < writes.length; i++) {
    const gap = writes[i]!.at - writes[i - 1]!.at;
    smallest = smallest === undefined ? gap : Math.min(smallest, gap);
    if (writes[i]!.at < (writes[i - 1]!.doneAt ?? Infinity)) overlapping++;
  }
  return { writes: writes.length, smallestGapMs: smallest, overlapping };
}
