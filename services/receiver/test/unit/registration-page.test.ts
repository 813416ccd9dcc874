import { describe, expect, it } from 'vitest';
import { loadAppManifest, manifestFor } from '../../src/setup/app-manifest.js';
import { escapeHtml, isLocalAddress, registrationPage } from '../../src/setup/registration-page.js';

describe('the App manifest the page posts', () => {
  it('is app.yml with the webhook, homepage and redirect URLs filled in', () => {
    const base = loadAppManifest();
    const m = manifestFor(base, {
      webhookUrl: 'https://ci.example.org/webhooks/github',
      redirectUrl: 'http://localhost:8082/setup/callback',
    });
    expect(m.hook_attributes).toEqual({
      url: 'https://ci.example.org/webhooks/github',
      active: true,
    });
    expect(m.url).toBe('https://ci.example.org/');
    expect(m.redirect_url).toBe('http://localhost:8082/setup/callback');
    expect(m.default_permissions).toEqual(base.default_permissions);
    expect(m.default_events).toEqual(base.default_events);
    expect(m.public).toBe(false);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadAppManifest('/nonexistent/app.yml')).toThrow(/\/nonexistent\/app\.yml/);
  });
});

describe('the registration page', () => {
  const manifest = manifestFor(loadAppManifest(), {
    webhookUrl: 'http://localhost:8082/webhooks/github',
    redirectUrl: 'http://localhost:8082/setup/callback',
  });

  it('posts the manifest to GitHub as a form field, escaped for HTML', () => {
    const html = registrationPage({
      manifest: { ...manifest, name: `"><script>alert('x')</script>` },
      action: 'https://github.com/settings/apps/new?state=abc&x=1',
      org: undefined,
      orgProblem: undefined,
    });
    expect(html).toContain(
      '<form action="https://github.com/settings/apps/new?state=abc&amp;x=1" method="post">',
    );
    expect(html).not.toContain('<script>');
    const value = /name="manifest" value="([^"]*)"/.exec(html)![1]!;
    const decoded = value
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    expect(JSON.parse(decoded)).toMatchObject({ name: `"><script>alert('x')</script>` });
  });

  it('warns that GitHub cannot reach a local webhook URL', () => {
    const page = (url: string) =>
      registrationPage({
        manifest: { ...manifest, hook_attributes: { url } },
        action: 'https://github.com/settings/apps/new?state=s',
        org: 'octo-org',
        orgProblem: undefined,
      });
    expect(page('http://localhost:8082/webhooks/github')).toContain('GitHub cannot deliver');
    expect(page('https://abc.trycloudflare.com/webhooks/github')).not.toContain(
      'GitHub cannot deliver',
    );
    expect(page('https://x.example/webhooks/github')).toContain(
      'the organisation <code>octo-org</code>',
    );
  });

  it('tells local addresses from public ones', () => {
    for (const url of [
      'http://localhost:1/',
      'http://127.0.0.1/',
      'http://[::1]:8/',
      'http://receiver:8082/',
      'http://192.168.1.4/',
      'http://10.0.0.1/',
      'http://172.20.0.3/',
    ])
      expect(isLocalAddress(url), url).toBe(true);
    for (const url of ['https://ci.example.org/', 'http://8.8.8.8/', 'http://172.32.0.1/'])
      expect(isLocalAddress(url), url).toBe(false);
  });

  it('escapes every character that matters in HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
