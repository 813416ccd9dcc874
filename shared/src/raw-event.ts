import { PermanentError } from './errors.js';
import { decodePayload } from './github/decode-payload.js';

/** An entry of `{P}:events`: one webhook delivery exactly as received. */
export interface RawEvent {
  delivery: string;
  hook_id: string;
  event: string;
  content_type: string;
  body: string;
  installation_target_type: string;
  installation_target_id: string;
  received_at: string;
  /** '1' when the request had no X-GitHub-Delivery and the receiver made `delivery` up. */
  delivery_generated?: '1';
}

/** The stream entry: exactly the RawEvent fields, in a fixed order (delivery_generated only when set). */
export function rawEventToFields(e: RawEvent): Record<string, string> {
  const fields: Record<string, string> = {
    delivery: e.delivery,
    hook_id: e.hook_id,
    event: e.event,
    content_type: e.content_type,
    body: e.body,
    installation_target_type: e.installation_target_type,
    installation_target_id: e.installation_target_id,
    received_at: e.received_at,
  };
  if (e.delivery_generated === '1') fields.delivery_generated = '1';
  return fields;
}

export function rawEventFromFields(fields: Record<string, string>): RawEvent {
  for (const f of ['delivery', 'event', 'body']) {
    if (fields[f] === undefined) throw new PermanentError(`invalid stored event: no ${f} field`);
  }
  return {
    delivery: fields.delivery!,
    hook_id: fields.hook_id ?? '',
    event: fields.event!,
    content_type: fields.content_type ?? 'application/json',
    body: fields.body!,
    installation_target_type: fields.installation_target_type ?? '',
    installation_target_id: fields.installation_target_id ?? '',
    received_at: fields.received_at ?? '',
    ...(fields.delivery_generated === '1' ? { delivery_generated: '1' as const } : {}),
  };
}

/**
 * The payload of a stored event, decoded as the receiver decoded the request (either content
 * type, media types in any case); a PermanentError says why when it cannot be.
 */
export function payloadOf(event: RawEvent): Record<string, unknown> {
  const decoded = decodePayload(event.content_type, event.body);
  if ('payload' in decoded) return decoded.payload;
  const bad = (why: string) => new PermanentError(`invalid ${event.event} payload: ${why}`);
  switch (decoded.problem) {
    case 'unsupported':
      throw new PermanentError(
        `invalid stored event: content type ${decoded.mediaType || '(none)'} is not one GitHub sends`,
      );
    case 'no-payload-field':
      throw new PermanentError('invalid stored event: form body without a payload field');
    case 'not-json':
      throw bad(`not JSON (${decoded.detail})`);
    case 'not-object':
      throw bad('the payload is not an object');
  }
}
