import { example, type Payload } from '@solstice/github-standin/harness';

// GitHub's own example payloads (@octokit/webhooks-examples), loaded by the stand-in's harness
// so that tests, benches and the demo send the same real payloads.
export { example, examplesOf, type Payload } from '@solstice/github-standin/harness';

/** A push to a branch (not a deletion), as GitHub sends it to an App (with installation). */
export function pushPayload(installationId: number, sha?: string): Payload {
  const p = example('push', (e) => e.deleted === false);
  p.installation = { id: installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  if (sha) {
    p.after = sha;
    if (p.head_commit) p.head_commit.id = sha;
  }
  return p;
}

/** An example with `action`. */
export const withAction = (event: string, action: string): Payload =>
  example(event, (p) => p.action === action);

/** An example with `action` that carries an installation (as every App webhook does). */
export const appWithAction = (event: string, action: string): Payload =>
  example(event, (p) => p.action === action && p.installation !== undefined);

/** A push to a branch (not a deletion). */
export const push = (): Payload => example('push', (p) => p.deleted === false);

/** A push that deleted a branch (`deleted: true`, `after` all zeros). */
export const branchDeletion = (): Payload => example('push', (p) => p.deleted === true);

export const ping = (): Payload => example('ping');

/**
 * A pull request from a fork: GitHub's example with its head moved to `fork-owner`'s copy
 * (the examples hold no fork PR; the shape is the same, only the head repo differs).
 */
export function forkPullRequest(action = 'opened'): Payload {
  const p = appWithAction('pull_request', action);
  const head = p.pull_request.head;
  head.repo = structuredClone(head.repo);
  head.repo.owner = { ...head.repo.owner, login: 'fork-owner', id: 99 };
  head.repo.full_name = 'fork-owner/Hello-World';
  head.repo.fork = true;
  head.repo.clone_url = 'https://github.com/fork-owner/Hello-World.git';
  head.repo.ssh_url = 'git@github.com:fork-owner/Hello-World.git';
  head.label = 'fork-owner:changes';
  head.sha = 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed';
  return p;
}
