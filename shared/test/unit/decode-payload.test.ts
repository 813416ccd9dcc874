import { describe, expect, it } from 'vitest';
import { decodePayload, mediaTypeOf, payloadOf, PermanentError } from '@solstice/shared';

const json = '{"action":"opened","number":1}';
const form = new URLSearchParams({ payload: json }).toString();

describe('decoding a webhook body (the receiver and the expander alike)', () => {
  it('reads both content types GitHub sends, whatever the case of the media type', () => {
    for (const type of ['application/json', 'Application/JSON; charset=utf-8', 'APPLICATION/JSON'])
      expect(decodePayload(type, json)).toEqual({ payload: { action: 'opened', number: 1 } });
    for (const type of [
      'application/x-www-form-urlencoded',
      'Application/X-WWW-Form-Urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
    ])
      expect(decodePayload(type, form)).toEqual({ payload: { action: 'opened', number: 1 } });
  });

  it('names what is wrong otherwise', () => {
    expect(decodePayload('Text/Plain', json)).toEqual({
      problem: 'unsupported',
      mediaType: 'text/plain',
    });
    expect(decodePayload(undefined, json)).toEqual({ problem: 'unsupported', mediaType: '' });
    expect(decodePayload('application/x-www-form-urlencoded', 'other=1')).toEqual({
      problem: 'no-payload-field',
    });
    expect(decodePayload('application/json', '{"a":')).toMatchObject({ problem: 'not-json' });
    expect(decodePayload('application/json', '[1]')).toEqual({ problem: 'not-object' });
  });

  it('gives the media type without parameters, lower-cased', () => {
    expect(mediaTypeOf(' Application/X-WWW-Form-Urlencoded ; charset=UTF-8')).toBe(
      'application/x-www-form-urlencoded',
    );
    expect(mediaTypeOf(undefined)).toBe('');
  });
});

describe('the payload of a stored event', () => {
  const stored = (content_type: string, body: string) => ({
    delivery: 'd-1',
    hook_id: '1',
    event: 'pull_request',
    content_type,
    body,
    installation_target_type: '',
    installation_target_id: '',
    received_at: '',
  });

  it('is read whatever the case of its stored media type', () => {
    expect(payloadOf(stored('Application/X-WWW-Form-Urlencoded', form))).toEqual({
      action: 'opened',
      number: 1,
    });
  });

  it('is a PermanentError naming the problem when it cannot be read', () => {
    expect(() => payloadOf(stored('application/json', '{'))).toThrow(PermanentError);
    expect(() => payloadOf(stored('application/json', '{'))).toThrow(
      /^invalid pull_request payload: not JSON \(/,
    );
    expect(() => payloadOf(stored('application/x-www-form-urlencoded', 'a=1'))).toThrow(
      'invalid stored event: form body without a payload field',
    );
    expect(() => payloadOf(stored('text/plain', json))).toThrow(/content type text\/plain/);
  });
});
