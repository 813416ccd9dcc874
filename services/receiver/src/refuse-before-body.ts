import { EarlyRefusal } from './early-refusal.js';
import { signatureWellFormed } from './verify-signature.js';

/**
 * What can be refused from the headers alone, before a byte of the body is read: a declared
 * length over the limit (413), a compressed body (415: GitHub never compresses, and the
 * signature covers the bytes as sent), and, when a secret is set, a missing or malformed
 * signature (401). undefined: read the body.
 */
export function refuseBeforeBody(
  header: (name: string) => string | undefined,
  o: { bodyLimit: number; secrets: readonly string[] },
): EarlyRefusal | undefined {
  const declared = Number(header('content-length'));
  if (declared > o.bodyLimit) return tooLarge(o.bodyLimit);
  const encoding = (header('content-encoding') ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    return new EarlyRefusal(415, `content encoding ${encoding} is not supported`);
  }
  const signature = header('x-hub-signature-256');
  if (o.secrets.length > 0 && !signatureWellFormed(signature)) {
    return new EarlyRefusal(401, 'X-Hub-Signature-256 is missing or does not match the body', {
      reason: signature === undefined ? 'signature missing' : 'signature malformed',
    });
  }
  return undefined;
}

export const tooLarge = (limit: number) =>
  new EarlyRefusal(413, `body is larger than the limit of ${limit} bytes`);
