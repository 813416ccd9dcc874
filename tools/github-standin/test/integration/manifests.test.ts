import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { exchangeManifestCode } from '@solstice/shared';
import {
  AppManifests,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '../../src/index.js';

/** What a browser does with the setup page's form: POST the manifest, read the redirect. */
async function postManifest(url: string, manifest: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ manifest: JSON.stringify(manifest) }).toString(),
    redirect: 'manual',
  });
}

const manifest = {
  name: 'Solstice CI test',
  url: 'https://ci.example.org/',
  hook_attributes: { url: 'https://ci.example.org/webhooks/github' },
  redirect_url: 'http://localhost:9/setup/callback?keep=1',
  default_permissions: { checks: 'write', contents: 'read' },
  default_events: ['push'],
};

describe("the stand-in's App-manifest flow", () => {
  let standIn: GitHubStandIn;
  const manifests = new AppManifests();

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 1, key: generateAppKey(), manifests }).start();
  });
  afterAll(() => standIn.close());

  it('sends the browser back to redirect_url with a code and the state', async () => {
    const res = await postManifest(`${standIn.url}/settings/apps/new?state=s-123`, manifest);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('http://localhost:9/setup/callback');
    expect(back.searchParams.get('keep')).toBe('1');
    expect(back.searchParams.get('state')).toBe('s-123');
    expect(back.searchParams.get('code')).toMatch(/^[0-9a-f]{40}$/);
  });

  it("converts the code once into GitHub's response, and accepts the new App's JWT", async () => {
    const res = await postManifest(
      `${standIn.url}/organizations/octo-org/settings/apps/new?state=s`,
      manifest,
    );
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const raw = await fetch(`${standIn.url}/app-manifests/${code}/conversions`, { method: 'POST' });
    expect(raw.status).toBe(201);
    const body = (await raw.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      [
        'client_id',
        'client_secret',
        'created_at',
        'description',
        'events',
        'external_url',
        'html_url',
        'id',
        'name',
        'node_id',
        'owner',
        'pem',
        'permissions',
        'slug',
        'updated_at',
        'webhook_secret',
      ].sort(),
    );
    expect(body).toMatchObject({
      name: 'Solstice CI test',
      slug: 'solstice-ci-test',
      owner: { login: 'octo-org', type: 'Organization' },
      permissions: manifest.default_permissions,
      events: ['push'],
      external_url: manifest.url,
    });
    expect(body.html_url).toBe(`${standIn.url}/apps/solstice-ci-test`);
    expect(manifests.latest()).toMatchObject({ id: body.id, webhookSecret: body.webhook_secret });

    // Once only, as GitHub.
    const again = await fetch(`${standIn.url}/app-manifests/${code}/conversions`, {
      method: 'POST',
    });
    expect(again.status).toBe(404);

    // The new App signs in with its own key.
    const octokit = new Octokit({
      baseUrl: standIn.url,
      authStrategy: createAppAuth,
      auth: { appId: body.id as number, privateKey: body.pem as string },
    });
    expect((await octokit.rest.apps.getAuthenticated()).data).toMatchObject({ id: body.id });
  });

  it('is what exchangeManifestCode reads, and an unknown code is a 400 that says why', async () => {
    const res = await postManifest(`${standIn.url}/settings/apps/new`, manifest);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const app = await exchangeManifestCode(standIn.url, code);
    expect(app).toMatchObject({ owner: 'octocat', htmlUrl: expect.stringContaining('/apps/') });
    expect(app.pem).toContain('PRIVATE KEY');
    await expect(exchangeManifestCode(standIn.url, code)).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/a code works once and for one hour/),
    });
  });

  it('refuses a manifest without url or redirect_url (422)', async () => {
    const res = await postManifest(`${standIn.url}/settings/apps/new`, { name: 'x' });
    expect(res.status).toBe(422);
  });
});
