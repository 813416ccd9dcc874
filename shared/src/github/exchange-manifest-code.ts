import { Octokit } from '@octokit/rest';
import { HttpError } from '../errors.js';

// The failure is reported by the caller, once, in its own log.
const QUIET = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A GitHub App just registered from a manifest: what the pipeline keeps of GitHub's answer. */
export interface AppRegistration {
  id: number;
  slug: string;
  name: string;
  /** https://github.com/apps/<slug>; its /installations/new installs the App. */
  htmlUrl: string;
  owner: string | undefined;
  clientId: string;
  /** The App's private key (PEM): a secret. */
  pem: string;
  /** The App's webhook secret: a secret. */
  webhookSecret: string;
}

/**
 * The last step of GitHub's App-manifest flow: trades the one-time `code` GitHub put in the
 * redirect for the new App's id, key and webhook secret (`POST /app-manifests/{code}/conversions`,
 * no authentication: the code is the credential). https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 * A code GitHub does not know (used, expired after one hour, mistyped) is an HttpError 400;
 * any other failure an HttpError 502. The client secret is not kept: the pipeline never acts
 * as an OAuth app.
 */
export async function exchangeManifestCode(
  apiBase: string,
  code: string,
): Promise<AppRegistration> {
  // No retry: a code works once, and a conversion that happened but was not answered cannot be
  // asked for again.
  const octokit = new Octokit({ baseUrl: apiBase, userAgent: 'solstice-ci-setup', log: QUIET });
  let data: Awaited<ReturnType<typeof octokit.rest.apps.createFromManifest>>['data'];
  try {
    ({ data } = await octokit.rest.apps.createFromManifest({ code }));
  } catch (err) {
    const status = (err as { status?: number }).status;
    const why = err instanceof Error ? err.message : String(err);
    if (status === 404 || status === 422)
      throw new HttpError(
        400,
        `GitHub did not accept the code (${status}: ${why}); a code works once and for one hour`,
      );
    throw new HttpError(502, `GitHub did not convert the code: ${why}`);
  }
  if (!data.webhook_secret || !data.pem)
    throw new HttpError(502, 'GitHub returned the App without a webhook secret or private key');
  const owner = data.owner as { login?: string } | null;
  return {
    id: data.id,
    slug: data.slug ?? String(data.id),
    name: data.name,
    htmlUrl: data.html_url,
    owner: owner?.login,
    clientId: data.client_id,
    pem: data.pem,
    webhookSecret: data.webhook_secret,
  };
}
