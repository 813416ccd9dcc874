import type { ConfigReader } from '@solstice/shared';
import { openFileLimit } from './open-file-limit.js';

/** What one receiver process holds at most: connections, buffered body bytes, and for how long. */
export interface HttpLimits {
  /** Open connections; past it the idlest connection without a request is closed. */
  maxConnections: number;
  /** Body bytes held across every request in flight; past it new requests get 503. */
  maxBufferedBytes: number;
  /** From connect (or the previous request) to the end of the headers. */
  headersTimeoutMs: number;
  /** From connect to the end of the body. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

// Each connection is a file descriptor: leave this many for Redis, the log, the ops server.
const SPARE_FILES = 64;
const DEFAULT_MAX_CONNECTIONS = 512;

/**
 * The receiver's HTTP limits. GitHub gives up on a delivery after 10 s
 * (https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks#respond-within-10-seconds),
 * so nothing legitimate needs longer for its headers, or much longer for its body.
 */
export function readHttpLimits(
  r: ConfigReader,
  bodyLimit: number,
  files: number | undefined = openFileLimit(),
): HttpLimits {
  const fdRoom = files === undefined ? undefined : Math.max(1, files - SPARE_FILES);
  const limits: HttpLimits = {
    maxConnections: r.int(
      'MAX_CONNECTIONS',
      Math.min(DEFAULT_MAX_CONNECTIONS, fdRoom ?? DEFAULT_MAX_CONNECTIONS),
      { min: 1, max: 1_000_000 },
    ),
    // Two bodies of GitHub's largest size, with room to spare.
    maxBufferedBytes: r.int('MAX_BUFFERED_BYTES', 64 * 1024 * 1024, {
      min: 1024,
      max: 64 * 1024 * 1024 * 1024,
    }),
    headersTimeoutMs: r.int('HEADERS_TIMEOUT_MS', 10_000, { min: 100, max: 60_000 }),
    requestTimeoutMs: r.int('REQUEST_TIMEOUT_MS', 15_000, { min: 100, max: 300_000 }),
    keepAliveTimeoutMs: r.int('KEEP_ALIVE_TIMEOUT_MS', 5_000, { min: 100, max: 60_000 }),
  };
  if (fdRoom !== undefined && limits.maxConnections > fdRoom) {
    r.fail(
      'MAX_CONNECTIONS',
      `at most ${fdRoom} (the open-file limit, ulimit -n, is ${files}; ${SPARE_FILES} are kept for the process): lower it or raise the limit`,
      String(limits.maxConnections),
    );
  }
  if (limits.maxBufferedBytes < bodyLimit) {
    r.fail(
      'MAX_BUFFERED_BYTES',
      `at least BODY_LIMIT (${bodyLimit})`,
      String(limits.maxBufferedBytes),
    );
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    r.fail(
      'HEADERS_TIMEOUT_MS',
      `at most REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
      String(limits.headersTimeoutMs),
    );
  }
  return limits;
}
