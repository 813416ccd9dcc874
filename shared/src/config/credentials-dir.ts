import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigReader } from './reader.js';

/**
 * The files of a credentials directory (CREDENTIALS_DIR), as the App registration (the
 * receiver's setup page, `solstice app create`) writes them and the stages read them.
 */
export const CREDENTIAL_FILES = {
  appId: 'app-id',
  privateKey: 'private-key.pem',
  webhookSecret: 'webhook-secret',
  /** The App's slug, html_url, owner and client id: shown to people, never a secret. */
  app: 'app.json',
} as const;

/** What a credentials directory holds; a file that is absent is undefined. */
export interface DirCredentials {
  dir: string;
  /** Set only when app-id and private-key.pem are both there (half an App is no App). */
  app: { idText: string; idFile: string; keyPath: string } | undefined;
  webhookSecret: string | undefined;
}

const seen = new WeakMap<ConfigReader, DirCredentials | undefined>();

/**
 * CREDENTIALS_DIR's files, read once per reader (every setting of one start sees the same
 * files); undefined when CREDENTIALS_DIR is not set. A directory that does not exist yet is
 * empty: the registration creates it. A file that exists but cannot be read is a bad setting.
 */
export function readCredentialsDir(r: ConfigReader): DirCredentials | undefined {
  if (seen.has(r)) return seen.get(r);
  const dir = r.string('CREDENTIALS_DIR');
  const found = dir === undefined ? undefined : readDir(r, dir);
  seen.set(r, found);
  return found;
}

function readDir(r: ConfigReader, dir: string): DirCredentials {
  const path = (name: string) => join(dir, name);
  const idFile = path(CREDENTIAL_FILES.appId);
  const keyPath = path(CREDENTIAL_FILES.privateKey);
  const idText = readText(r, idFile);
  const app = idText !== undefined && exists(r, keyPath) ? { idText, idFile, keyPath } : undefined;
  return { dir, app, webhookSecret: readText(r, path(CREDENTIAL_FILES.webhookSecret)) };
}

function readText(r: ConfigReader, file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch (err) {
    return absentOr(r, file, err);
  }
}

function exists(r: ConfigReader, file: string): boolean {
  try {
    return statSync(file).isFile() || (r.fail('CREDENTIALS_DIR', 'a file', file) ?? false);
  } catch (err) {
    return absentOr(r, file, err) ?? false;
  }
}

function absentOr(r: ConfigReader, file: string, err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  return r.fail(
    'CREDENTIALS_DIR',
    'readable credential files',
    `${file} (${code ?? 'unreadable'})`,
  );
}

/**
 * The one line a stage that needs the GitHub App logs while it waits for it: what is missing
 * and every way to provide it.
 */
export function waitingForAppLine(why: string, dir: string | undefined): string {
  const register =
    "register the App on the receiver's page (http://localhost:8082/ by default) or with " +
    '`npm run solstice -- app create`';
  return dir === undefined
    ? `setup: waiting for the GitHub App (${why}): set GITHUB_APP_ID and GITHUB_APP_KEY_PATH ` +
        `(or GITHUB_APP_KEY) and restart, or set CREDENTIALS_DIR and ${register}`
    : `setup: waiting for the GitHub App (${why}): ${register}, which writes ` +
        `${CREDENTIAL_FILES.appId} and ${CREDENTIAL_FILES.privateKey} to CREDENTIALS_DIR=${dir} ` +
        '(picked up within seconds, no restart), or set GITHUB_APP_ID and GITHUB_APP_KEY_PATH and restart';
}
