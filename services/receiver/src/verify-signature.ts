import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

/** An HMAC of the body computed while it streams in, so the bytes are hashed as they arrive. */
export interface SignatureCheck {
  update: (chunk: Buffer) => void;
  /** After the last chunk: true when the body was signed with one of the secrets. */
  valid: () => boolean;
}

/** true when `X-Hub-Signature-256` has the shape `sha256=<64 hex digits>`. */
export function signatureWellFormed(header: string | undefined): header is string {
  return header !== undefined && header.startsWith(PREFIX) && HEX_DIGEST.test(header.slice(7));
}

/**
 * Starts checking `X-Hub-Signature-256` (`sha256=<hex>`, HMAC-SHA256 of the raw body) against
 * every secret, so a secret can be rotated by configuring the old and the new one together.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function startSignatureCheck(
  secrets: readonly string[],
  header: string | undefined,
): SignatureCheck {
  if (!signatureWellFormed(header) || secrets.length === 0) {
    return { update: () => undefined, valid: () => false };
  }
  const given = Buffer.from(header.slice(PREFIX.length), 'hex');
  const hmacs = secrets.map((secret) => createHmac('sha256', secret));
  return {
    update(chunk) {
      for (const hmac of hmacs) hmac.update(chunk);
    },
    valid() {
      let valid = false;
      // Every secret is compared, so the time taken does not say which one matched; the
      // lengths are equal (checked above), as timingSafeEqual requires.
      for (const hmac of hmacs) if (timingSafeEqual(given, hmac.digest())) valid = true;
      return valid;
    },
  };
}

/** The whole body at once: startSignatureCheck over one chunk. */
export function verifySignature(
  secrets: readonly string[],
  rawBody: Buffer,
  header: string | undefined,
): boolean {
  const check = startSignatureCheck(secrets, header);
  check.update(rawBody);
  return check.valid();
}
