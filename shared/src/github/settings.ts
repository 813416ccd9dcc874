import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readCredentialsDir } from '../config/credentials-dir.js';
import type { ConfigReader } from '../config/reader.js';
import { readSecret } from '../config/secret.js';
import type { EventRules } from './event-verdict.js';

/** How to reach GitHub as the App; undefined credentials = no App configured. */
export interface GitHubSettings {
  apiBase: string;
  app: { appId: number; privateKey: string } | undefined;
  /** Base of plugin-retry / plugin-throttling waits (ms; GitHub's Retry-After is in seconds × this). */
  retryBaseMs: number;
  /** Least time between two writes of one installation (GitHub asks for 1 s). */
  writeMinMs: number;
  /**
   * Longest rate-limit wait a client sits out itself (GITHUB_MAX_WAIT_MS); a longer one fails
   * the call at once, and the stage defers its entry (RetryLater) instead of holding a batch.
   */
  maxWaitMs: number;
}

/** GITHUB_CHECK_NAME: Check Runs are named `<it> / <job id>` (checkRunName). */
export function readCheckName(r: ConfigReader): string {
  return r.string('GITHUB_CHECK_NAME', 'Solstice CI');
}

/** CHECK_SUITE_REQUESTED: build check_suite `requested` too (eventVerdict). */
export function readEventRules(r: ConfigReader): EventRules {
  return { checkSuiteRequested: r.bool('CHECK_SUITE_REQUESTED', false) };
}

/**
 * GITHUB_API_BASE, the App (GITHUB_APP_ID with GITHUB_APP_KEY_PATH or GITHUB_APP_KEY, else
 * app-id and private-key.pem in CREDENTIALS_DIR) and the clients' pacing. The environment
 * wins over the directory, whole: an App is never made of one source's id and another's key.
 */
export function readGitHubSettings(r: ConfigReader): GitHubSettings {
  const apiBase = r
    .url('GITHUB_API_BASE', 'https://api.github.com', ['https:', 'http:'])
    .replace(/\/+$/, '');
  let idText = r.string('GITHUB_APP_ID');
  let keyPath = r.string('GITHUB_APP_KEY_PATH');
  // The PEM text is a secret: never a flag (GITHUB_APP_KEY_PATH names a file instead).
  const keyText = readSecret(r, 'GITHUB_APP_KEY')?.value;
  // A key refused as a flag still counts as given: the directory does not stand in for it.
  const given =
    idText !== undefined ||
    keyPath !== undefined ||
    keyText !== undefined ||
    r.fromFlag('GITHUB_APP_KEY');
  let names = { id: 'GITHUB_APP_ID', key: 'GITHUB_APP_KEY_PATH' };
  const fromDir = readCredentialsDir(r)?.app;
  if (!given && fromDir) {
    ({ idText, keyPath } = fromDir);
    names = { id: `CREDENTIALS_DIR (${fromDir.idFile})`, key: `CREDENTIALS_DIR (${keyPath})` };
  }
  let app: GitHubSettings['app'];
  if (idText !== undefined || keyPath !== undefined || keyText !== undefined) {
    const appId = Number(idText);
    if (idText === undefined)
      r.fail('GITHUB_APP_ID', 'the App id when GITHUB_APP_KEY(_PATH) is set');
    else if (!/^\d+$/.test(idText) || appId <= 0)
      r.fail(names.id, 'a positive whole number', idText);
    const privateKey = readKey(r, keyPath, keyText, names.key);
    if (privateKey !== undefined && idText !== undefined && appId > 0) app = { appId, privateKey };
  }
  return {
    apiBase,
    app,
    retryBaseMs: r.int('GITHUB_RETRY_BASE_MS', 1000, { min: 1, max: 60_000 }),
    writeMinMs: r.int('GITHUB_WRITE_MIN_MS', 1000, { min: 0, max: 60_000 }),
    maxWaitMs: r.int('GITHUB_MAX_WAIT_MS', 10_000, { min: 0, max: 60_000 }),
  };
}

function readKey(
  r: ConfigReader,
  path: string | undefined,
  text: string | undefined,
  pathName: string,
): string | undefined {
  let pem = text?.replace(/\\n/g, '\n');
  let name = 'GITHUB_APP_KEY';
  if (path !== undefined) {
    name = pathName;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (err) {
      r.fail(
        name,
        'a readable PEM file',
        `${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
      return undefined;
    }
  }
  if (pem === undefined) {
    // A key given as a flag was refused already, with its own line.
    if (r.fromFlag('GITHUB_APP_KEY')) return undefined;
    r.fail(
      'GITHUB_APP_KEY_PATH',
      'a PEM file (or GITHUB_APP_KEY with the PEM text) when GITHUB_APP_ID is set',
    );
    return undefined;
  }
  try {
    createPrivateKey(pem);
  } catch {
    // The key itself is never echoed.
    r.fail(name, 'a PEM private key (the .pem GitHub generated for the App)');
    return undefined;
  }
  return pem;
}
