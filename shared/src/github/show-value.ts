/**
 * A value from a payload, JSON-quoted and cut to `max` characters, safe to put in a reason
 * that reaches logs, dead entries and Check Run summaries (no control characters, no markup).
 */
export function showValue(value: unknown, max = 80): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > max ? `${json.slice(0, max)}…` : json;
}
