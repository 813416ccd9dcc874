/** Every Redis key name of the pipeline, from one place. */
export interface Keys {
  events: string;
  jobs: string;
  checks: string;
  dead(stream: string): string;
  errors(stream: string, group: string): string;
  delivery(hookId: string, deliveryId: string): string;
  tokenCache(installationId: string | number): string;
  workflowCache(owner: string, repo: string, sha: string): string;
  checkRun(requestId: string): string;
  installation(owner: string, repo: string): string;
  sweepLease: string;
  sweepCursor: string;
  sweepRedelivered(deliveryId: string | number): string;
  /** A `state` the receiver's App registration page handed out (valid one hour, used once). */
  setupState(state: string): string;
}

/** Where the stage runner moves an entry of `stream` that cannot be handled. */
export const deadStreamOf = (stream: string): string => `${stream}:dead`;

/** The last error of each pending entry of `stream` in `group` (read when it goes dead). */
export const errorsKeyOf = (stream: string, group: string): string => `${stream}:errors:${group}`;

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
    checkRun: (requestId) => `${prefix}:checkrun:${requestId}`,
    installation: (owner, repo) => `${prefix}:installation:${owner}/${repo}`,
    sweepLease: `${prefix}:sweep:lease`,
    sweepCursor: `${prefix}:sweep:cursor`,
    sweepRedelivered: (id) => `${prefix}:sweep:redelivered:${id}`,
    setupState: (state) => `${prefix}:setup:state:${state}`,
  };
}
