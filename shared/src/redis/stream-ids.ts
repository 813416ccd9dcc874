/** Stream ids are `<ms>-<seq>`; these compare and step them exactly (BigInt). */
export function parseStreamId(id: string): [bigint, bigint] {
  const [ms, seq] = id.split('-');
  return [BigInt(ms ?? '0'), BigInt(seq ?? '0')];
}

export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseStreamId(a);
  const [bm, bs] = parseStreamId(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The smallest id greater than `id`. */
export function nextStreamId(id: string): string {
  const [ms, seq] = parseStreamId(id);
  return `${ms}-${seq + 1n}`;
}

export function minStreamId(ids: string[]): string | undefined {
  let min: string | undefined;
  for (const id of ids) if (min === undefined || compareStreamIds(id, min) < 0) min = id;
  return min;
}

/** Stream fields come as a flat [f1, v1, f2, v2, …] list. */
export function fieldsToObject(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export function objectToFields(obj: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) out.push(k, v);
  return out;
}
