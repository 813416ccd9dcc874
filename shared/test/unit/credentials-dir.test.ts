import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAppKey } from '@solstice/github-standin';
import { ConfigError, ConfigReader, readGitHubSettings, waitingForAppLine } from '@solstice/shared';

const key = generateAppKey();

const read = (env: Record<string, string>) => {
  const r = new ConfigReader({ env });
  const settings = readGitHubSettings(r);
  let problems: string[] = [];
  try {
    r.done();
  } catch (err) {
    problems = (err as ConfigError).problems;
  }
  return { settings, problems };
};

describe('the GitHub App from CREDENTIALS_DIR', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'solstice-creds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const put = (name: string, text: string) => writeFileSync(join(dir, name), text, { mode: 0o600 });

  it('takes app-id and private-key.pem when both are there', () => {
    put('app-id', '1234\n');
    put('private-key.pem', key);
    const { settings, problems } = read({ CREDENTIALS_DIR: dir });
    expect(problems).toEqual([]);
    expect(settings.app).toEqual({ appId: 1234, privateKey: key });
  });

  it('counts half an App (an id without its key, or the reverse) as no App, not an error', () => {
    put('app-id', '1234');
    expect(read({ CREDENTIALS_DIR: dir })).toMatchObject({
      settings: { app: undefined },
      problems: [],
    });
    rmSync(join(dir, 'app-id'));
    put('private-key.pem', key);
    expect(read({ CREDENTIALS_DIR: dir })).toMatchObject({
      settings: { app: undefined },
      problems: [],
    });
  });

  it('reads a directory that does not exist yet as empty', () => {
    expect(read({ CREDENTIALS_DIR: join(dir, 'not-yet') })).toMatchObject({
      settings: { app: undefined },
      problems: [],
    });
  });

  it('prefers the environment, whole: never one source id with the other key', () => {
    put('app-id', '1234');
    put('private-key.pem', key);
    const other = generateAppKey();
    const { settings } = read({ CREDENTIALS_DIR: dir, GITHUB_APP_ID: '99', GITHUB_APP_KEY: other });
    expect(settings.app).toEqual({ appId: 99, privateKey: other.trim() }); // settings are trimmed
    // Only the key in the environment: the directory is not consulted for the id.
    expect(read({ CREDENTIALS_DIR: dir, GITHUB_APP_KEY: other }).problems).toEqual([
      expect.stringMatching(/^GITHUB_APP_ID: expected the App id/),
    ]);
  });

  it('does not stand in for a GITHUB_APP_KEY refused as a flag', () => {
    put('app-id', '1234');
    put('private-key.pem', key);
    const r = new ConfigReader({
      env: { CREDENTIALS_DIR: dir },
      argv: ['--github-app-key', 'PEM'],
    });
    expect(readGitHubSettings(r).app).toBeUndefined();
    expect(() => r.done()).toThrow(
      /--github-app-key: a secret is not taken as a command-line flag/,
    );
  });

  it('names the file of a malformed id or key, and never echoes the key', () => {
    put('app-id', 'twelve');
    put('private-key.pem', 'not a key but a secret-looking text');
    const { problems } = read({ CREDENTIALS_DIR: dir });
    expect(problems).toEqual([
      `CREDENTIALS_DIR (${join(dir, 'app-id')}): expected a positive whole number, got 'twelve'`,
      `CREDENTIALS_DIR (${join(dir, 'private-key.pem')}): expected a PEM private key (the .pem GitHub generated for the App)`,
    ]);
    expect(problems.join()).not.toContain('secret-looking');
  });

  it('names a credential file it may not read', () => {
    if (process.getuid?.() === 0) return; // root reads every file
    put('app-id', '1');
    put('private-key.pem', key);
    chmodSync(join(dir, 'app-id'), 0o000);
    expect(read({ CREDENTIALS_DIR: dir }).problems).toEqual([
      `CREDENTIALS_DIR: expected readable credential files, got '${join(dir, 'app-id')} (EACCES)'`,
    ]);
  });

  it('says in one line what is missing and how to provide it', () => {
    const withDir = waitingForAppLine('the reporter writes Check Runs as the App', dir);
    expect(withDir).toMatch(/^setup: waiting for the GitHub App \(the reporter writes/);
    expect(withDir).toContain(`CREDENTIALS_DIR=${dir}`);
    expect(withDir).toContain('app create');
    const without = waitingForAppLine('why', undefined);
    expect(without).toContain('set GITHUB_APP_ID and GITHUB_APP_KEY_PATH');
    for (const line of [withDir, without]) expect(line).not.toContain('\n');
  });
});
