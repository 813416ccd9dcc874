import { readCredentialsDir, type ConfigReader } from '@solstice/shared';

/** What the first run needs: where credentials appear, and how to register the App. */
export interface SetupConfig {
  /** CREDENTIALS_DIR: read for the credentials, written by the registration page. */
  credentialsDir: string | undefined;
  /** WEBHOOK_URL: the App's webhook URL; undefined: the page's own address + WEBHOOK_PATH. */
  webhookUrl: string | undefined;
  /** GITHUB_WEB_URL: where the browser registers the App (github.com, or a GHES host). */
  githubWebUrl: string;
  /** GITHUB_API_BASE: where the registration's code is converted. */
  apiBase: string;
}

export function readSetupConfig(r: ConfigReader, apiBase: string): SetupConfig {
  const webhookUrl = r.url('WEBHOOK_URL', undefined, ['https:', 'http:']);
  const webUrl = r.url('GITHUB_WEB_URL', undefined, ['https:', 'http:']);
  return {
    credentialsDir: readCredentialsDir(r)?.dir,
    webhookUrl,
    githubWebUrl: (webUrl ?? webUrlOf(apiBase)).replace(/\/+$/, ''),
    apiBase,
  };
}

/**
 * The web address that goes with a REST API base: api.github.com → github.com; a GitHub
 * Enterprise Server `https://HOST/api/v3` → `https://HOST`; anything else (the stand-in
 * serves both) the API base itself.
 */
export function webUrlOf(apiBase: string): string {
  const u = new URL(apiBase);
  if (u.hostname === 'api.github.com') return 'https://github.com';
  const path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/api/v3')) return `${u.origin}${path.slice(0, -'/api/v3'.length)}`;
  return `${u.origin}${path}`;
}
