import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** GitHub's App-manifest format, as app.yml writes it. */
export interface AppManifest {
  name: string;
  url: string;
  hook_attributes: { url: string; active?: boolean };
  redirect_url: string;
  default_permissions: Record<string, string>;
  default_events: string[];
  [field: string]: unknown;
}

/** app.yml at the repository root (/app/app.yml in the image), from src/ or dist/. */
export const APP_MANIFEST_PATH = fileURLToPath(new URL('../../../../app.yml', import.meta.url));

/** Reads app.yml; throws an Error naming the file when it is missing or not a manifest. */
export function loadAppManifest(path = APP_MANIFEST_PATH): AppManifest {
  let manifest: Partial<AppManifest> | null;
  try {
    manifest = parse(readFileSync(path, 'utf8')) as Partial<AppManifest> | null;
  } catch (err) {
    throw new Error(`the App manifest ${path} cannot be read: ${(err as Error).message}`);
  }
  if (
    typeof manifest?.name !== 'string' ||
    typeof manifest.default_permissions !== 'object' ||
    !Array.isArray(manifest.default_events)
  )
    throw new Error(`the App manifest ${path} lacks name, default_permissions or default_events`);
  return manifest as AppManifest;
}

/**
 * The manifest to post to GitHub: app.yml with its placeholder URLs replaced: the webhook
 * goes to `webhookUrl`, the homepage is that address's root, and GitHub sends the browser back
 * to `redirectUrl` with the one-time code.
 */
export function manifestFor(
  base: AppManifest,
  urls: { webhookUrl: string; redirectUrl: string },
): AppManifest {
  return {
    ...base,
    url: new URL('/', urls.webhookUrl).href,
    hook_attributes: { ...base.hook_attributes, url: urls.webhookUrl },
    redirect_url: urls.redirectUrl,
  };
}
