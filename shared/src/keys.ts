/** Every Redis key name of the pipeline, from one place. */
export interface Keys {
  events: string;
  jobs: string;
  checks: string;
  dead(stream: string): string;
  errors(stream: string, group: string): string;
  delivery(hookId: string, deliveryId: string): string;
  tokenCache(this: void, installationId: string | number): string;
  workflowCache(this: void, owner: string, repo: string, sha: string): string;
  /** The record of one job (CheckRecord, a hash): identity, wanted and shown state. */
  checkRecord(this: void, requestId: string): string;
  /** The reporter's writers: per-installation queues, schedule, leases, pacing. */
  writer: WriterKeys;
  /** The claim records of reporters before the per-job records (read by `results replay`). */
  legacyCheckRun(requestId: string): string;
  installation(this: void, owner: string, repo: string): string;
  /** A fork pull request waiting for approval, by its notice run's external_id (expander). */
  approval(this: void, noticeId: string): string;
  sweepLease: string;
  sweepCursor: string;
  sweepRedelivered(deliveryId: string | number): string;
  /** A `state` the receiver's App registration page handed out (valid one hour, used once). */
  setupState(this: void, state: string): string;
}

/** Keys of the reporter's per-installation writers (docs/architecture.md). */
export interface WriterKeys {
  /** The jobs of one installation that GitHub does not show as wanted yet, in order (ZSET). */
  queue(installationId: string | number): string;
  /** Installations with work, scored by the earliest time (ms) the next write may go (ZSET). */
  due: string;
  /** The copy writing for an installation now (a token, with a TTL). */
  lease(installationId: string | number): string;
  /** An installation's pacing: when the next write may go, why it is paused (hash). */
  state(installationId: string | number): string;
  /** The order in which jobs were queued, across installations (a counter). */
  seq: string;
  /** Installations paused by a rate limit, scored by when the pause ends (ZSET). */
  paused: string;
}

/** Where the stage runner moves an entry of `stream` that cannot be handled. */
export const deadStreamOf = (stream: string): string => `${stream}:dead`;

/** The RabbitMQ queue a queue dead-letters to (through the DLX, routed by the queue's name). */
export const deadQueueOf = (queue: string): string => `${queue}.dlq`;

/** The last error of each pending entry of `stream` in `group` (read when it goes dead). */
export const errorsKeyOf = (stream: string, group: string): string => `${stream}:errors:${group}`;

/**
 * The heartbeats of the consumers of `group` on `stream` (a ZSET: consumer name scored by
 * the time, in Redis's clock, its heartbeat expires).
 */
export const aliveKeyOf = (stream: string, group: string): string => `${stream}:alive:${group}`;

export function keysFor(prefix: string): Keys {
  return {
    events: `${prefix}:events`,
    jobs: `${prefix}:jobs`,
    checks: `${prefix}:checks`,
    dead: deadStreamOf,
    errors: errorsKeyOf,
    delivery: (hookId, deliveryId) => `${prefix}:delivery:${hookId}:${deliveryId}`,
    tokenCache: (id) => `${prefix}:token:${id}`,
    workflowCache: (owner, repo, sha) => `${prefix}:workflow:${owner}/${repo}@${sha}`,
    checkRecord: (requestId) => `${prefix}:check:${requestId}`,
    writer: {
      queue: (id) => `${prefix}:writer:queue:${id}`,
      due: `${prefix}:writer:due`,
      lease: (id) => `${prefix}:writer:lease:${id}`,
      state: (id) => `${prefix}:writer:state:${id}`,
      seq: `${prefix}:writer:seq`,
      paused: `${prefix}:writer:paused`,
    },
    legacyCheckRun: (requestId) => `${prefix}:checkrun:${requestId}`,
    installation: (owner, repo) => `${prefix}:installation:${owner}/${repo}`,
    approval: (noticeId) => `${prefix}:approval:${noticeId}`,
    sweepLease: `${prefix}:sweep:lease`,
    sweepCursor: `${prefix}:sweep:cursor`,
    sweepRedelivered: (id) => `${prefix}:sweep:redelivered:${id}`,
    setupState: (state) => `${prefix}:setup:state:${state}`,
  };
}
