/** p50/p99 (nearest rank) of a list of milliseconds; undefined when the list is empty. */
export interface Spread {
  n: number;
  p50: number | undefined;
  p99: number | undefined;
}

export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** "123" or "-" for a missing figure. */
export const ms = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));
