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
}

export function keysFor(prefix: string): Keys {
  return {
    events: `${prefix}:events`,
    jobs: `${prefix}:jobs`,
    checks: `${prefix}:checks`,
    dead: (stream) => `${stream}:dead`,
    errors: (stream, group) => `${stream}:errors:${group}`,
    delivery: (hookId, deliveryId) => `${prefix}:delivery:${hookId}:${deliveryId}`,
    tokenCache: (id) => `${prefix}:token:${id}`,
    workflowCache: (owner, repo, sha) => `${prefix}:workflow:${owner}/${repo}@${sha}`,
    checkRun: (requestId) => `${prefix}:checkrun:${requestId}`,
    installation: (owner, repo) => `${prefix}:installation:${owner}/${repo}`,
    sweepLease: `${prefix}:sweep:lease`,
    sweepCursor: `${prefix}:sweep:cursor`,
    sweepRedelivered: (id) => `${prefix}:sweep:redelivered:${id}`,
  };
}
