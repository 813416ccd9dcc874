import { existsSync } from 'node:fs';
import { mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CREDENTIAL_FILES, HttpError, type AppRegistration } from '@solstice/shared';

const LOCK = '.registration.lock';
// A lock older than this was left by a process that died while writing (it takes milliseconds).
const STALE_LOCK_MS = 60_000;

/** Whether `dir` holds an App or a webhook secret already. */
export function holdsCredentials(dir: string): boolean {
  return [CREDENTIAL_FILES.appId, CREDENTIAL_FILES.webhookSecret].some((f) =>
    existsSync(join(dir, f)),
  );
}

/**
 * Writes a new App's credentials to `dir`, each file whole (written aside, then renamed) and
 * readable by this user only, in the order the stages need: the key before the id (the App
 * counts once both are there), the webhook secret last (the receiver starts checking
 * signatures then, with the App already complete). Under a lock file, so two registrations
 * finishing at once (two receiver copies) never mix one App's id with another's key; refuses
 * (HttpError 409) when `dir` holds credentials already.
 */
export async function writeCredentials(dir: string, app: AppRegistration): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await takeLock(join(dir, LOCK));
  try {
    if (holdsCredentials(dir))
      throw new HttpError(
        409,
        `${dir} holds GitHub App credentials already; remove ${CREDENTIAL_FILES.appId}, ` +
          `${CREDENTIAL_FILES.privateKey} and ${CREDENTIAL_FILES.webhookSecret} to register another`,
      );
    const about = { id: app.id, slug: app.slug, name: app.name, html_url: app.htmlUrl };
    await put(dir, CREDENTIAL_FILES.privateKey, app.pem);
    await put(
      dir,
      CREDENTIAL_FILES.app,
      JSON.stringify({ ...about, owner: app.owner, client_id: app.clientId }, null, 2) + '\n',
    );
    await put(dir, CREDENTIAL_FILES.appId, `${app.id}\n`);
    await put(dir, CREDENTIAL_FILES.webhookSecret, `${app.webhookSecret}\n`);
  } finally {
    await lock.close();
    await unlink(join(dir, LOCK)).catch(() => undefined);
  }
}

async function put(dir: string, name: string, text: string): Promise<void> {
  const aside = join(dir, `.${name}.new`);
  await writeFile(aside, text, { mode: 0o600 });
  await rename(aside, join(dir, name));
}

async function takeLock(path: string): Promise<{ close(): Promise<void> }> {
  try {
    return await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = Date.now() - (await stat(path)).mtimeMs;
    if (age < STALE_LOCK_MS)
      throw new HttpError(409, 'another registration is being written right now; try again');
    await unlink(path);
    return open(path, 'wx', 0o600);
  }
}
