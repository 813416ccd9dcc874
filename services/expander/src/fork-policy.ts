/** FORK_PULL_REQUESTS: when a pull request from a fork builds. */
export type ForkPolicy = 'approve' | 'always' | 'never';

export const FORK_POLICIES: readonly ForkPolicy[] = ['approve', 'always', 'never'];

// https://docs.github.com/en/graphql/reference/enums#commentauthorassociation
const TRUSTED = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/** What a pull request's event is to the fork policy. */
export interface PullRequestFacts {
  /** The head repository is not the base repository. */
  fork: boolean;
  /** pull_request.author_association */
  association: string | undefined;
}

/** Build now, wait for a maintainer's approval, or build nothing. */
export type ForkDecision = 'build' | 'approve' | 'never';

/**
 * Whether a pull request builds at once: one within the repository always does; one from a
 * fork does when its author is an owner, member or collaborator of the base repository
 * (GitHub's author_association), unless the policy says always or never.
 */
export function forkDecision(pr: PullRequestFacts, policy: ForkPolicy): ForkDecision {
  if (!pr.fork || policy === 'always') return 'build';
  if (policy === 'never') return 'never';
  return TRUSTED.has((pr.association ?? '').toUpperCase()) ? 'build' : 'approve';
}

/**
 * Whether a user's permission on the base repository releases a fork's jobs: write, maintain
 * or admin (GitHub's `permission` says write for maintain; `role_name` names it).
 */
export function releases(permission: { permission?: string; role_name?: string }): boolean {
  const roles = [permission.permission, permission.role_name].map((r) => (r ?? '').toLowerCase());
  return roles.some((r) => r === 'admin' || r === 'maintain' || r === 'write');
}
