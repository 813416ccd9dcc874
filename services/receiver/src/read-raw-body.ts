import type { IncomingMessage } from 'node:http';
import { HttpError } from '@solstice/shared';

/**
 * The request body exactly as sent, up to `limit` bytes. A refused body (too large, compressed)
 * is still read off and dropped, so the client gets the answer instead of a reset connection.
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let refusal = refuseUpfront(req, limit);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (refusal !== undefined) return;
      size += chunk.length;
      if (size > limit) {
        refusal = tooLarge(limit);
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () =>
      refusal === undefined ? resolve(Buffer.concat(chunks, size)) : reject(refusal),
    );
    const aborted = () =>
      reject(new HttpError(400, 'request aborted before the body was complete'));
    req.on('error', aborted);
    req.on('close', () => {
      if (!req.complete) aborted();
    });
  });
}

function refuseUpfront(req: IncomingMessage, limit: number): HttpError | undefined {
  // GitHub never compresses, and the signature covers the bytes as sent.
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    return new HttpError(415, `content encoding ${encoding} is not supported`);
  }
  const declared = Number(req.headers['content-length']);
  return declared > limit ? tooLarge(limit) : undefined;
}

const tooLarge = (limit: number) =>
  new HttpError(413, `body is larger than the limit of ${limit} bytes`);
