import { describe, expect, it } from 'vitest';
import { generateAppKey } from '@solstice/github-standin';
import { readReceiverConfig } from '../../src/config.js';
import { receiverSetup } from '../../src/setup/receiver-setup.js';
import { webUrlOf } from '../../src/setup/setup-config.js';

const key = generateAppKey().replace(/\n/g, '\\n');
const setupOf = (env: Record<string, string>) => receiverSetup(readReceiverConfig({ env }));

describe('the receiver without a webhook secret (receiverSetup)', () => {
  it('refuses webhooks in production, offers the registration and watches CREDENTIALS_DIR', () => {
    const s = setupOf({ NODE_ENV: 'production', CREDENTIALS_DIR: '/nonexistent/creds' });
    expect(s).toMatchObject({ register: true, watch: true });
    expect(s.refuse).toMatch(/no webhook secret/);
    expect(s.line).toMatch(/^setup: no webhook secret \(NODE_ENV=production\)/);
    expect(s.line).toContain('http://localhost:8082/');
    expect(s.line).toContain('npm run solstice -- app create');
    expect(s.line).toContain('CREDENTIALS_DIR=/nonexistent/creds');
    expect(s.line).not.toContain('\n');
  });

  it('offers no registration once the App is set, and asks for its webhook secret', () => {
    const s = setupOf({
      NODE_ENV: 'production',
      CREDENTIALS_DIR: '/nonexistent/creds',
      GITHUB_APP_ID: '7',
      GITHUB_APP_KEY: key,
    });
    expect(s).toMatchObject({ register: false, watch: true });
    expect(s.line).toContain('/nonexistent/creds/webhook-secret');
  });

  it('without CREDENTIALS_DIR has nothing to watch and says to set GITHUB_WEBHOOK_SECRET', () => {
    const s = setupOf({ NODE_ENV: 'production', HTTP_ADDR: '0.0.0.0:9000' });
    expect(s).toMatchObject({ register: false, watch: false });
    expect(s.line).toMatch(/set GITHUB_WEBHOOK_SECRET .* and restart/);
  });

  it('in dev mode accepts webhooks, warns, and still offers the registration', () => {
    const s = setupOf({ CREDENTIALS_DIR: '/nonexistent/creds' });
    expect(s).toMatchObject({ refuse: undefined, register: true, watch: true });
    expect(s.line).toMatch(/^DEV MODE: .*NOT checked/);
  });

  it('is nothing once a secret is set', () => {
    expect(setupOf({ NODE_ENV: 'production', GITHUB_WEBHOOK_SECRET: 's' })).toEqual({
      refuse: undefined,
      register: false,
      watch: false,
      line: undefined,
    });
  });
});

describe('webUrlOf (where the browser registers the App)', () => {
  it('maps GitHub, GitHub Enterprise Server and anything else', () => {
    expect(webUrlOf('https://api.github.com')).toBe('https://github.com');
    expect(webUrlOf('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(webUrlOf('http://127.0.0.1:8091')).toBe('http://127.0.0.1:8091');
  });
});
