import type { AppManifest } from './app-manifest.js';

export interface RegistrationPageModel {
  /** The manifest the form posts (URLs already filled). */
  manifest: AppManifest;
  /** GitHub's "new App" page for a user or an organisation, with the state. */
  action: string;
  /** The organisation the App is registered for; undefined: the signed-in user. */
  org: string | undefined;
  /** Why an `org` given was not taken. */
  orgProblem: string | undefined;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/** Loopback and private names GitHub cannot deliver webhooks to. */
export function isLocalAddress(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return /^(localhost|.*\.localhost|::1|0\.0\.0\.0|[^.:]+)$/i.test(host) || isPrivateIpv4(host);
}

function isPrivateIpv4(host: string): boolean {
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 127 || a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31);
}

/**
 * The setup page: what will be registered, and a form that posts the manifest to GitHub
 * (GitHub's App-manifest flow; no script, so it works under a strict Content-Security-Policy).
 */
export function registrationPage(m: RegistrationPageModel): string {
  const e = escapeHtml;
  const hook = m.manifest.hook_attributes.url;
  const permissions = Object.entries(m.manifest.default_permissions)
    .map(([name, access]) => `<li><code>${e(name)}</code>: ${e(access)}</li>`)
    .join('');
  const events = m.manifest.default_events.map((ev) => `<code>${e(ev)}</code>`).join(', ');
  const warning = isLocalAddress(hook)
    ? `<p class="warn">GitHub cannot deliver webhooks to <code>${e(hook)}</code>. Set
       <code>WEBHOOK_URL</code> to the public address of a tunnel first (README, "Connect to
       GitHub"), or change the App's webhook URL in its settings afterwards.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Solstice CI: connect to GitHub</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em}
code{background:#f3f3f3;padding:0 .2em}.warn{border-left:4px solid #d93;padding-left:.8em}
button{font-size:1em;padding:.4em 1em}</style></head>
<body><h1>Connect Solstice CI to GitHub</h1>
<p>This receiver has no GitHub App yet, so it refuses webhooks and the other stages wait.
Register the App from the manifest (<code>app.yml</code>): GitHub asks you to name it, creates
it, and sends you back here; the receiver then stores its id, private key and webhook secret
in the credentials directory, every stage picks them up, and GitHub offers to install the App.</p>
<ul><li>owner: ${m.org ? `the organisation <code>${e(m.org)}</code>` : 'your GitHub account'}</li>
<li>webhook URL: <code>${e(hook)}</code></li><li>permissions:<ul>${permissions}</ul></li>
<li>events: ${events}</li></ul>${warning}
<form action="${e(m.action)}" method="post">
<input type="hidden" name="manifest" value="${e(JSON.stringify(m.manifest))}">
<button type="submit">Register the GitHub App</button></form>
<form action="/" method="get"><p>For an organisation instead:
<input name="org" value="${e(m.org ?? '')}" aria-label="organisation" pattern="[A-Za-z0-9][A-Za-z0-9\\-]*">
<button type="submit">Use it</button></p>${m.orgProblem ? `<p class="warn">${e(m.orgProblem)}</p>` : ''}</form>
<p>Without a browser here: <code>npm run solstice -- app create</code>, or register it by hand
with the permissions and events above.</p></body></html>
`;
}
