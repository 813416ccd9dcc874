import type { ServerResponse } from 'node:http';
import { EarlyRefusal } from './early-refusal.js';

/** The HTTP status an error asks for (err.status set deep down); anything else is a 500. */
export function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = Number(e?.status ?? e?.statusCode);
  return status >= 400 && status <= 599 ? status : 500;
}

/**
 * The one place an error becomes a response: its status and `{ error }`, no internals on a 500.
 * An EarlyRefusal closes the connection after the answer (the rest of its body is never read).
 */
export function answerError(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const status = statusOf(err);
  const message = status === 500 ? 'internal error' : (err as Error).message || 'request failed';
  const headers =
    err instanceof EarlyRefusal ? { ...err.details.headers, connection: 'close' } : undefined;
  sendJson(res, status, { error: message }, headers);
}

/**
 * Writes a JSON answer with node's own writeHead/end (express's res.json adds a mime lookup,
 * ETag and freshness checks on every delivery).
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body?: Record<string, string>,
  headers?: Record<string, string>,
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}
