import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface AppManifest {
  name: string;
  url: string;
  hook_attributes: { url: string; active?: boolean };
  redirect_url: string;
  public: boolean;
  default_permissions: Record<string, string>;
  default_events: string[];
}

// https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
const manifestFields = [
  'name',
  'url',
  'hook_attributes',
  'redirect_url',
  'callback_urls',
  'setup_url',
  'description',
  'public',
  'default_events',
  'default_permissions',
  'request_oauth_on_install',
  'setup_on_update',
];

describe('app.yml (the GitHub App manifest)', () => {
  it('asks for exactly the permissions and events the pipeline uses', async () => {
    const manifest = parse(
      await readFile(new URL('../../app.yml', import.meta.url), 'utf8'),
    ) as AppManifest;
    expect(manifest.default_permissions).toEqual({
      checks: 'write',
      contents: 'read',
      metadata: 'read',
      pull_requests: 'read',
    });
    expect([...manifest.default_events].sort()).toEqual(
      ['check_run', 'check_suite', 'pull_request', 'push'].sort(),
    );
  });

  it('has only fields of GitHub manifest format, with the webhook on the receiver path', async () => {
    const manifest = parse(
      await readFile(new URL('../../app.yml', import.meta.url), 'utf8'),
    ) as AppManifest;
    for (const field of Object.keys(manifest)) expect(manifestFields).toContain(field);
    expect(manifest.name).toBeTruthy();
    expect(new URL(manifest.url).protocol).toBe('https:');
    expect(new URL(manifest.hook_attributes.url).pathname).toBe('/webhooks/github');
    expect(new URL(manifest.redirect_url).protocol).toBe('https:');
    expect(manifest.public).toBe(false);
  });
});
