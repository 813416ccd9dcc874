import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CollaboratorStore,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '../../src/index.js';

describe("the GitHub stand-in's collaborator permission endpoint", () => {
  const store = new CollaboratorStore()
    .set('octo-org', 'app', 'boss', 'maintain')
    .set('octo-org', 'app', 'tri', 'triage');
  let standIn: GitHubStandIn;
  let token = '';

  beforeAll(async () => {
    standIn = await createStandIn({
      appId: 42,
      key: generateAppKey(),
      collaborators: store,
    }).start();
    standIn.addInstallation({ id: 7, account: 'octo-org', repos: [] });
    token = standIn.mintToken(7).token;
  });
  afterAll(() => standIn.close());

  const ask = async (repo: string, user: string, auth = `token ${token}`) => {
    const res = await fetch(`${standIn.url}/repos/${repo}/collaborators/${user}/permission`, {
      headers: { authorization: auth },
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it("answers each user's role as GitHub does: maintain as write, triage as read, others read", async () => {
    expect((await ask('octo-org/app', 'boss')).body).toMatchObject({
      permission: 'write',
      role_name: 'maintain',
      user: { login: 'boss' },
    });
    expect((await ask('octo-org/app', 'tri')).body).toMatchObject({
      permission: 'read',
      role_name: 'triage',
    });
    expect((await ask('octo-org/app', 'someone')).body).toMatchObject({ permission: 'read' });
  });

  it('answers 404 for a repository the installation does not cover, 401 without a token', async () => {
    expect((await ask('other/app', 'boss')).status).toBe(404);
    expect((await ask('octo-org/app', 'boss', 'token nope')).status).toBe(401);
  });
});
