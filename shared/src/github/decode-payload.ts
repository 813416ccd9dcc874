/** Why a webhook body holds no payload object. */
export type PayloadProblem =
  | { problem: 'unsupported'; mediaType: string }
  | { problem: 'no-payload-field' }
  | { problem: 'not-json'; detail: string }
  | { problem: 'not-object' };

export type DecodedPayload = { payload: Record<string, unknown> } | PayloadProblem;

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The media type of a Content-Type header, lower-cased without parameters: media types are
 * case-insensitive (RFC 9110 §8.3.1), so `Application/JSON; charset=utf-8` is application/json.
 */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The JSON payload of a webhook body in either content type GitHub sends: `application/json`,
 * or `application/x-www-form-urlencoded` with the JSON in a `payload` field. The receiver
 * decodes the request with it and the expander the stored event, so both take the same bodies.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
 */
export function decodePayload(contentType: string | undefined, body: string): DecodedPayload {
  const mediaType = mediaTypeOf(contentType);
  let json: string;
  if (mediaType === JSON_TYPE) {
    json = body;
  } else if (mediaType === FORM_TYPE) {
    const field = new URLSearchParams(body).get('payload');
    if (field === null) return { problem: 'no-payload-field' };
    json = field;
  } else {
    return { problem: 'unsupported', mediaType };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return { problem: 'not-json', detail: (err as Error).message };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { problem: 'not-object' };
  return { payload: parsed as Record<string, unknown> };
}
