import { stdSerializers } from 'pino';

/** What a redacted value is logged as. */
export const CENSOR = '[redacted]';

// Key names whose values are credentials, matched anywhere in the name and in any case:
// Authorization, x-hub-signature-256, webhookSecrets, privateKey, private_key, set-cookie,
// access_token, GITHUB_APP_KEY… (numbers and booleans under them, like a count, are kept).
const SENSITIVE =
  /authorization|cookie|token|secret|passw|private.?key|app.?key|api.?key|signature|credential/i;
// A URL's password: scheme://user:password@host.
const URL_PASSWORD = /(\/\/[^/\s:@]*:)[^/\s@]+@/g;
const MAX_DEPTH = 12;

/**
 * `value` with the value of every sensitive key censored, at any depth and in any case, errors
 * included: an Error becomes what pino's err serializer makes of it (type, message and stack
 * with those of its causes, its own properties such as octokit's `request` and `response`), so
 * the headers of a failed request are walked too. URL passwords in strings are hidden. Nothing
 * is copied unless something in it changed, so the common log line costs a key test per key.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.includes('@') && value.includes('://')
      ? value.replace(URL_PASSWORD, '$1***@')
      : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep to log]';
  if (value instanceof Error) return redactDeep(plainError(value), depth + 1);
  if (Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const clean = redactDeep(item, depth + 1);
      if (clean !== item) (copy ??= [...(value as unknown[])])[i] = clean;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const item = record[key];
    const clean =
      SENSITIVE.test(key) &&
      item !== undefined &&
      item !== null &&
      typeof item !== 'number' &&
      typeof item !== 'boolean'
        ? CENSOR
        : redactDeep(item, depth + 1);
    if (clean !== item) (copy ??= { ...record })[key] = clean;
  }
  return copy ?? value;
}

/** An Error as a plain object (pino's err serializer), without the `raw` back-reference. */
function plainError(err: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(err) as unknown as Record<string, unknown>;
  return { ...serialized };
}
