import type { IncomingMessage } from 'node:http';
import { HttpError } from '@solstice/shared';
import type { BodyHold } from './body-budget.js';
import { EarlyRefusal } from './early-refusal.js';
import { tooLarge } from './refuse-before-body.js';

export interface ReadBodyOptions {
  /** BODY_LIMIT; a declared length over it was refused before (refuseBeforeBody). */
  limit: number;
  /** This request's share of MAX_BUFFERED_BYTES. */
  hold: BodyHold;
  /** Sees every chunk as it arrives: the signature is computed while the body streams in. */
  onChunk: (chunk: Buffer) => void;
  /** Retry-After of a 503 when the budget is spent (seconds). */
  retryAfterSeconds: number;
}

/**
 * The request body exactly as sent. A declared Content-Length is taken from the budget before
 * a byte is read, and the body is copied into one buffer of that size; a body without one takes
 * its bytes as they come. No room in the budget: 503 at once, nothing more is read.
 */
export function readBody(req: IncomingMessage, o: ReadBodyOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const header = req.headers['content-length'];
    const declared = header === undefined ? undefined : Number(header);
    if (declared !== undefined && !o.hold.grow(declared)) {
      reject(overloaded(o.retryAfterSeconds));
      return;
    }
    // Node's parser never passes more bytes than Content-Length declared.
    const whole = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (whole === undefined) {
        if (size + chunk.length > o.limit) return fail(tooLarge(o.limit));
        if (!o.hold.grow(chunk.length)) return fail(overloaded(o.retryAfterSeconds));
        chunks.push(chunk);
      } else {
        chunk.copy(whole, size);
      }
      size += chunk.length;
      o.onChunk(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(whole ?? Buffer.concat(chunks, size));
    });
    const aborted = () => fail(new HttpError(400, 'request aborted before the body was complete'));
    req.on('error', aborted);
    req.on('close', () => {
      if (!req.complete) aborted();
    });
  });
}

function overloaded(retryAfterSeconds: number): EarlyRefusal {
  return new EarlyRefusal(503, 'too many request bodies in flight; try again later', {
    reason: 'MAX_BUFFERED_BYTES reached',
    outcome: 'overloaded',
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}
