import {
  rateLimitedUntil,
  RetryLater,
  rethrowGitHubFailure,
  type GitHubApp,
} from '@solstice/shared';

/** A user's permission on a repository, as GitHub gives it. */
export interface Permission {
  /** admin, write, read or none (maintain shows as write, triage as read). */
  permission?: string;
  /** The role itself: admin, maintain, write, triage, read, or a custom role. */
  role_name?: string;
}

export interface PermissionSource {
  of(at: {
    owner: string;
    repo: string;
    user: string;
    installationId: number;
  }): Promise<Permission>;
}

/**
 * GET /repos/{owner}/{repo}/collaborators/{username}/permission as the App's installation
 * (Metadata: read). A user GitHub does not know has none. A final refusal is a PermanentError;
 * a rate limit a RetryLater (the click is deferred until GitHub's time); a 5xx is thrown as
 * it came (the click is tried again).
 */
export function createPermissionSource(app: GitHubApp): PermissionSource {
  return {
    async of({ owner, repo, user, installationId }) {
      try {
        const { data } = await app
          .installation(installationId)
          .rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: user });
        return { permission: data.permission, role_name: data.role_name };
      } catch (err) {
        if ((err as { status?: number }).status === 404) return { permission: 'none' };
        const until = rateLimitedUntil(err, Date.now());
        if (until !== undefined)
          throw new RetryLater(
            until,
            `telling @${user}'s permission on ${owner}/${repo} is rate limited`,
          );
        rethrowGitHubFailure(err, `tell @${user}'s permission on ${owner}/${repo}`);
      }
    },
  };
}
