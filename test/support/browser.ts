/** The registration form of a setup page, as a browser holds it. */
export interface RegistrationForm {
  /** GitHub's "new App" URL, with the state. */
  action: string;
  /** The manifest field, JSON. */
  manifest: string;
  /** The state cookie the page set (`name=value`). */
  cookie: string;
}

const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** GET the setup page (the receiver's `/`, or `app create`'s) and read its form and cookie. */
export async function openSetupPage(pageUrl: string, cookie?: string): Promise<RegistrationForm> {
  const res = await fetch(pageUrl, { headers: cookie ? { cookie } : {} });
  const html = await res.text();
  if (res.status !== 200) throw new Error(`${pageUrl}: ${res.status} ${html}`);
  const action = /<form action="([^"]+)" method="post">/.exec(html)?.[1];
  const manifest = /name="manifest" value="([^"]*)"/.exec(html)?.[1];
  const setCookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!action || !manifest || !setCookie)
    throw new Error(`${pageUrl}: no registration form:\n${html}`);
  return { action: unescapeHtml(action), manifest: unescapeHtml(manifest), cookie: setCookie };
}

/** Submit the form to "GitHub" (the stand-in): the URL GitHub sends the browser back to. */
export async function submitToGitHub(form: RegistrationForm): Promise<string> {
  const res = await fetch(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ manifest: form.manifest }).toString(),
    redirect: 'manual',
  });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`${form.action}: ${res.status}`);
  return location;
}

/** GET the callback as the browser would (with its cookie), without following the redirect. */
export function followCallback(callbackUrl: string, cookie: string | undefined): Promise<Response> {
  return fetch(callbackUrl, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
}

/** The whole registration in a browser: page → GitHub → callback; the callback's answer. */
export async function registerApp(pageUrl: string): Promise<Response> {
  const form = await openSetupPage(pageUrl);
  return followCallback(await submitToGitHub(form), form.cookie);
}
