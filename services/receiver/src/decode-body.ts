import { isUtf8 } from 'node:buffer';
import { HttpError } from '@solstice/shared';

/** The body as text, exactly: a body that is not UTF-8 cannot be JSON (RFC 8259 §8.1). */
export function bodyText(raw: Buffer): string {
  if (!isUtf8(raw)) throw new HttpError(400, 'body is not valid UTF-8');
  // Valid UTF-8 decodes and re-encodes to the same bytes, a byte order mark included.
  return raw.toString('utf8');
}

/**
 * The JSON payload of a webhook body in either content type GitHub sends: `application/json`,
 * or `application/x-www-form-urlencoded` with the JSON in a `payload` field.
 */
export function decodeBody(contentType: string | undefined, text: string): Record<string, unknown> {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  let json: string;
  if (mediaType === 'application/json') {
    json = text;
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new HttpError(400, 'form body has no payload field');
    json = payload;
  } else {
    throw new HttpError(
      415,
      `content type ${mediaType || '(none)'} is not supported: use application/json or application/x-www-form-urlencoded`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new HttpError(400, `payload is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'payload is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}
