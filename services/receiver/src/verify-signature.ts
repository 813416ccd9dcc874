import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

/**
 * Checks `X-Hub-Signature-256` (`sha256=<hex>`, HMAC-SHA256 of the raw body) against every
 * secret, so a secret can be rotated by configuring the old and the new one together.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function verifySignature(
  secrets: readonly string[],
  rawBody: Buffer,
  header: string | undefined,
): boolean {
  if (header === undefined || !header.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length);
  // The length check comes first: timingSafeEqual throws on buffers of different lengths.
  if (!HEX_DIGEST.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Every secret is tried, so the time taken does not say which one matched.
    if (timingSafeEqual(given, expected)) valid = true;
  }
  return valid;
}
