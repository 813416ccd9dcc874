import { isUtf8 } from 'node:buffer';
import { decodePayload, HttpError } from '@solstice/shared';

/** The body as text, exactly: a body that is not UTF-8 cannot be JSON (RFC 8259 §8.1). */
export function bodyText(raw: Buffer): string {
  if (!isUtf8(raw)) throw new HttpError(400, 'body is not valid UTF-8');
  // Valid UTF-8 decodes and re-encodes to the same bytes, a byte order mark included.
  return raw.toString('utf8');
}

/** The payload of a webhook body (decodePayload); a body without one is a 415 or a 400. */
export function decodeBody(contentType: string | undefined, text: string): Record<string, unknown> {
  const decoded = decodePayload(contentType, text);
  if ('payload' in decoded) return decoded.payload;
  switch (decoded.problem) {
    case 'unsupported':
      throw new HttpError(
        415,
        `content type ${decoded.mediaType || '(none)'} is not supported: use application/json or application/x-www-form-urlencoded`,
      );
    case 'no-payload-field':
      throw new HttpError(400, 'form body has no payload field');
    case 'not-json':
      throw new HttpError(400, `payload is not JSON: ${decoded.detail}`);
    case 'not-object':
      throw new HttpError(400, 'payload is not a JSON object');
  }
}
