import type { Redis } from 'ioredis';

/** Resolves once the writes this connection made so far reached the replicas; else rejects. */
export type ReplicaAck = () => Promise<void>;

export class ReplicasShortError extends Error {
  constructor(
    readonly acked: number,
    readonly wanted: number,
    timeoutMs: number,
  ) {
    super(`${acked} of ${wanted} replicas acknowledged within ${timeoutMs} ms`);
  }
}

/**
 * Redis WAIT after a store, grouped: WAIT blocks its connection, so one at a time covers every
 * write whose reply came before it was sent (WAIT counts the writes of its own connection, the
 * stage's single command connection). Callers arriving meanwhile wait for the next one.
 */
export function createReplicaAck(redis: Redis, wanted: number, timeoutMs: number): ReplicaAck {
  let waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  let inFlight = false;
  const flush = () => {
    if (inFlight || waiting.length === 0) return;
    const group = waiting;
    waiting = [];
    inFlight = true;
    redis
      .wait(wanted, timeoutMs)
      .then(
        (acked) => {
          const err =
            acked >= wanted ? undefined : new ReplicasShortError(acked, wanted, timeoutMs);
          for (const w of group) {
            if (err) w.reject(err);
            else w.resolve();
          }
        },
        (err: unknown) => {
          for (const w of group) w.reject(err);
        },
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ resolve, reject });
      flush();
    });
}
