import { describe, expect, it } from 'vitest';
import { HttpError } from '@solstice/shared';
import { bodyText, decodeBody } from '../../src/decode-body.js';

const statusOf = (f: () => unknown): number | undefined => {
  try {
    f();
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
  return undefined;
};

describe('decodeBody', () => {
  const json = '{"action":"opened","number":1}';

  it('parses an application/json body, with or without a charset', () => {
    expect(decodeBody('application/json', json)).toEqual({ action: 'opened', number: 1 });
    expect(decodeBody('Application/JSON; charset=utf-8', json)).toEqual({
      action: 'opened',
      number: 1,
    });
  });

  it('parses the payload field of an application/x-www-form-urlencoded body', () => {
    const form = new URLSearchParams({ payload: json }).toString();
    expect(decodeBody('application/x-www-form-urlencoded', form)).toEqual({
      action: 'opened',
      number: 1,
    });
  });

  it('answers 400 for a form body without a payload field', () => {
    expect(() => decodeBody('application/x-www-form-urlencoded', 'other=1')).toThrow(
      /no payload field/,
    );
    expect(statusOf(() => decodeBody('application/x-www-form-urlencoded', 'other=1'))).toBe(400);
  });

  it('answers 400 with the parser message for a body that is not JSON', () => {
    expect(statusOf(() => decodeBody('application/json', '{"a":'))).toBe(400);
    expect(() => decodeBody('application/json', 'hello')).toThrow(/^payload is not JSON: /);
    const form = new URLSearchParams({ payload: 'nope' }).toString();
    expect(statusOf(() => decodeBody('application/x-www-form-urlencoded', form))).toBe(400);
  });

  it('answers 400 for JSON that is not an object', () => {
    expect(() => decodeBody('application/json', '[1,2]')).toThrow(/not a JSON object/);
    expect(statusOf(() => decodeBody('application/json', 'null'))).toBe(400);
  });

  it('answers 415 for any other content type, or none', () => {
    expect(statusOf(() => decodeBody('text/plain', json))).toBe(415);
    expect(statusOf(() => decodeBody('application/xml', json))).toBe(415);
    expect(statusOf(() => decodeBody(undefined, json))).toBe(415);
    expect(() => decodeBody('text/plain', json)).toThrow(/text\/plain is not supported/);
  });
});

describe('bodyText', () => {
  it('keeps every byte of a UTF-8 body, a byte order mark included', () => {
    const raw = Buffer.from('\uFEFF{"e":"\u00e9\u{1F600}"}');
    expect(Buffer.from(bodyText(raw))).toEqual(raw);
  });

  it('answers 400 for bytes that are not UTF-8', () => {
    expect(statusOf(() => bodyText(Buffer.from([0x7b, 0xff, 0x7d])))).toBe(400);
  });
});
