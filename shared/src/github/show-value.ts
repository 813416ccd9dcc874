const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * A value from a payload or a workflow file, cut to `max` characters and JSON-quoted, safe to
 * put in a reason that reaches logs, dead entries and Check Run summaries (control characters
 * escaped, no markup).
 */
export function showValue(value: unknown, max = 80): string {
  if (typeof value === 'string') return JSON.stringify(cut(value, max));
  return cut(JSON.stringify(value) ?? String(value), max);
}
