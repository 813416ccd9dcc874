import type { Route } from '../server.js';

const DOCS =
  'https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user';

/** A role on a repository; GitHub's `permission` folds maintain into write and triage into read. */
export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

const PERMISSION_OF: Record<Role, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

/** Who has which role on which repository; tests fill it. A user not given has read (a public repository). */
export class CollaboratorStore {
  private readonly roles = new Map<string, Role>();

  private static keyOf(owner: string, repo: string, user: string): string {
    return `${owner}/${repo}:${user}`.toLowerCase();
  }

  set(owner: string, repo: string, user: string, role: Role): this {
    this.roles.set(CollaboratorStore.keyOf(owner, repo, user), role);
    return this;
  }

  roleOf(owner: string, repo: string, user: string): Role {
    return this.roles.get(CollaboratorStore.keyOf(owner, repo, user)) ?? 'read';
  }
}

/**
 * GET /repos/{owner}/{repo}/collaborators/{username}/permission with an installation token of
 * an installation covering the repository (GitHub: Metadata read), as GitHub answers it.
 */
export function collaboratorRoutes(store: CollaboratorStore): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/:owner/:repo/collaborators/:username/permission',
      auth: 'token',
      handle: (ctx) => {
        const { owner, repo, username } = ctx.params;
        const inst = ctx.standIn.installationFor(owner!, repo!);
        if (!inst || inst.id !== ctx.installationId)
          return { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
        const role = store.roleOf(owner!, repo!, username!);
        return {
          status: 200,
          body: {
            permission: PERMISSION_OF[role],
            role_name: role,
            user: { login: username, type: 'User', site_admin: false },
          },
        };
      },
    },
  ];
}
