import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateAppKey } from '@solstice/github-standin';
import { waitForOk } from '@solstice/github-standin/harness';
import { prefixPool } from '../support/keys.js';
import { startStage, stopStages, type StageProcess } from '../support/processes.js';
import { redisUrl, uniqueName } from '../support/servers.js';

// What a stage sees on a first run: no credential in its environment, whoever runs the tests.
const NO_CREDENTIALS = {
  GITHUB_APP_ID: undefined,
  GITHUB_APP_KEY: undefined,
  GITHUB_APP_KEY_PATH: undefined,
  GITHUB_WEBHOOK_SECRET: undefined,
  WEBHOOK_SECRET: undefined,
};

describe('a stage in the setup state, as a process', () => {
  const prefixes = prefixPool('setup');
  const dirs: string[] = [];
  let stages: StageProcess[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'solstice-setup-state-'));
    dirs.push(d);
    return d;
  };
  const start = async (
    name: 'receiver' | 'expander' | 'reporter',
    env: Record<string, string | undefined>,
  ) => {
    const names =
      name === 'reporter'
        ? {
            AMQP_EXCHANGE: uniqueName('x'),
            AMQP_RESULTS_QUEUE: uniqueName('q'),
            AMQP_DLX: uniqueName('dlx'),
          }
        : {};
    const stage = await startStage(name, {
      ...NO_CREDENTIALS,
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: prefixes.next(),
      ...names,
      ...env,
    });
    stages.push(stage);
    return stage;
  };
  const setupLines = (s: StageProcess) =>
    s.json().filter((l) => String(l.msg).startsWith('setup: waiting'));

  afterEach(async () => {
    await stopStages(stages);
    stages = [];
    await prefixes.removeAll();
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('waits for the App with one line, healthy but not ready, and starts once the files appear', async () => {
    const credentials = dir();
    const expander = await start('expander', { CREDENTIALS_DIR: credentials });
    await expander.waitForLog(/setup: waiting for the GitHub App/);
    await expander.waitHealthy();
    expect((await fetch(`${expander.baseUrl}/readyz`)).status).toBe(503);

    writeFileSync(join(credentials, 'private-key.pem'), generateAppKey(), { mode: 0o600 });
    writeFileSync(join(credentials, 'app-id'), '4242\n', { mode: 0o600 });
    await expander.waitForLog(/"msg":"expander started"/, 30_000);
    await expander.waitReady();
    expect(setupLines(expander)).toHaveLength(1);
    expect(setupLines(expander)[0]!.msg).toContain(`CREDENTIALS_DIR=${credentials}`);
    expect(expander.exit).toBeUndefined();
  });

  it('stops with one line and exit 2 when a credential file that appears is malformed', async () => {
    const credentials = dir();
    const expander = await start('expander', { CREDENTIALS_DIR: credentials });
    await expander.waitForLog(/setup: waiting for the GitHub App/);
    writeFileSync(join(credentials, 'private-key.pem'), generateAppKey(), { mode: 0o600 });
    writeFileSync(join(credentials, 'app-id'), 'forty-two\n', { mode: 0o600 });
    expect(await expander.exited).toMatchObject({ code: 2 });
    expect(expander.logs.filter((l) => l.includes('configuration error'))).toEqual([
      `expander: configuration error: CREDENTIALS_DIR (${join(credentials, 'app-id')}): expected a positive whole number, got 'forty-two'`,
    ]);
  });

  it('stops at start with exit 2 on a malformed file, as on any bad setting', async () => {
    const credentials = dir();
    writeFileSync(join(credentials, 'private-key.pem'), 'not a key', { mode: 0o600 });
    writeFileSync(join(credentials, 'app-id'), '7', { mode: 0o600 });
    const reporter = await start('reporter', { CREDENTIALS_DIR: credentials });
    expect(await reporter.exited).toMatchObject({ code: 2 });
    expect(reporter.logs).toEqual([
      `reporter: configuration error: CREDENTIALS_DIR (${join(credentials, 'private-key.pem')}): expected a PEM private key (the .pem GitHub generated for the App)`,
    ]);
  });

  it('exits 0 on SIGTERM while it waits', async () => {
    const expander = await start('expander', {});
    await expander.waitForLog(/setup: waiting for the GitHub App/);
    expect(setupLines(expander)[0]!.msg).toContain('set GITHUB_APP_ID and GITHUB_APP_KEY_PATH');
    expect(await expander.stop()).toEqual({ code: 0, signal: null });
    expect(expander.logs.some((l) => l.includes('stopped while waiting for credentials'))).toBe(
      true,
    );
  });

  it('keeps a production receiver without a secret up, refusing webhooks, until SIGTERM', async () => {
    const receiver = await start('receiver', { NODE_ENV: 'production' });
    await receiver.waitHealthy();
    const line = await receiver.waitForLog(/setup: no webhook secret/);
    expect(line).toContain('set GITHUB_WEBHOOK_SECRET');
    const hook = await fetch(`${receiver.baseUrl}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping' },
      body: '{}',
    });
    expect(hook.status).toBe(503);
    expect((await fetch(`${receiver.baseUrl}/readyz`)).status).toBe(503);
    // No page to register from: there is no CREDENTIALS_DIR to write to.
    expect((await fetch(`${receiver.baseUrl}/`)).status).toBe(503);
    expect(await receiver.stop()).toEqual({ code: 0, signal: null });
  });

  it('turns a production receiver ready once a webhook secret file appears', async () => {
    const credentials = dir();
    const receiver = await start('receiver', {
      NODE_ENV: 'production',
      CREDENTIALS_DIR: credentials,
    });
    await receiver.waitHealthy();
    writeFileSync(join(credentials, 'webhook-secret'), 'from-a-file\n', { mode: 0o600 });
    await waitForOk(`${receiver.baseUrl}/readyz`);
    await receiver.waitForLog(/setup: webhook secret found/);
    const unsigned = await fetch(`${receiver.baseUrl}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
  });
});
