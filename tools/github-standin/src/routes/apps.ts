import type { Route } from '../server.js';

/** Installation tokens and installation lookup (App JWT). */
export const appRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/app',
    auth: 'jwt',
    handle: ({ appId }) => ({
      status: 200,
      body: { id: appId, slug: 'solstice-ci', name: 'Solstice CI' },
    }),
  },
  {
    method: 'POST',
    pattern: '/app/installations/:id/access_tokens',
    auth: 'jwt',
    handle: ({ standIn, params, appId }) => {
      const id = Number(params.id);
      if (!standIn.installations.has(id)) return { status: 404, body: { message: 'Not Found' } };
      const { token, expires_at } = standIn.mintToken(id, appId);
      return {
        status: 201,
        body: {
          token,
          expires_at,
          permissions: { checks: 'write', contents: 'read', metadata: 'read' },
          repository_selection: 'all',
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/installation',
    auth: 'jwt',
    handle: ({ standIn, params, appId }) => {
      const inst = standIn.installationFor(params.owner!, params.repo!);
      if (!inst) return { status: 404, body: { message: 'Not Found' } };
      return {
        status: 200,
        body: { id: inst.id, account: { login: inst.account }, app_id: appId },
      };
    },
  },
];
