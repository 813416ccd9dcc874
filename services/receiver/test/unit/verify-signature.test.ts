import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/verify-signature.js';

// GitHub's published test vector:
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const SECRET = "It's a Secret to Everybody";
const PAYLOAD = Buffer.from('Hello, World!');
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('verifySignature', () => {
  it("accepts GitHub's published test vector", () => {
    expect(verifySignature([SECRET], PAYLOAD, SIGNATURE)).toBe(true);
  });

  it('accepts a signature made by @octokit/webhooks-methods over the raw bytes', async () => {
    const body = '{"zen":"Keep it logically awesome.","emoji":"\u00e9\u{1F600}"}';
    const signature = await sign('s3cret', body);
    expect(verifySignature(['s3cret'], Buffer.from(body), signature)).toBe(true);
  });

  it('refuses the vector under the wrong secret', () => {
    expect(verifySignature(['not the secret'], PAYLOAD, SIGNATURE)).toBe(false);
  });

  it('refuses a body changed by one byte', () => {
    expect(verifySignature([SECRET], Buffer.from('Hello, World?'), SIGNATURE)).toBe(false);
  });

  it('refuses a missing header', () => {
    expect(verifySignature([SECRET], PAYLOAD, undefined)).toBe(false);
  });

  it('refuses the right digest without the sha256= prefix', () => {
    expect(verifySignature([SECRET], PAYLOAD, SIGNATURE.slice('sha256='.length))).toBe(false);
    expect(verifySignature([SECRET], PAYLOAD, SIGNATURE.replace('sha256=', 'sha1='))).toBe(false);
  });

  it('refuses a digest of the wrong length without throwing', () => {
    expect(verifySignature([SECRET], PAYLOAD, SIGNATURE.slice(0, -2))).toBe(false);
    expect(verifySignature([SECRET], PAYLOAD, SIGNATURE + '00')).toBe(false);
    expect(verifySignature([SECRET], PAYLOAD, 'sha256=')).toBe(false);
    expect(verifySignature([SECRET], PAYLOAD, 'sha256=' + 'zz'.repeat(32))).toBe(false);
  });

  it('accepts a signature made with any of several secrets (rotation)', async () => {
    const body = Buffer.from('{"a":1}');
    const secrets = ['old-secret', 'new-secret'];
    expect(verifySignature(secrets, body, await sign('old-secret', '{"a":1}'))).toBe(true);
    expect(verifySignature(secrets, body, await sign('new-secret', '{"a":1}'))).toBe(true);
    expect(verifySignature(secrets, body, await sign('other-secret', '{"a":1}'))).toBe(false);
  });

  it('refuses everything when no secret is given', () => {
    expect(verifySignature([], PAYLOAD, SIGNATURE)).toBe(false);
  });
});
