import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, connectRedis } from '@solstice/cli';
import { Pipeline, SAMPLE_JOBS, SAMPLE_WORKFLOW } from '@solstice/github-standin/harness';
import { registerApp } from '../support/browser.js';
import { pushPayload } from '../support/payloads.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const NEEDS_CREDENTIALS = ['receiver#1', 'expander#1', 'reporter#1'];

/**
 * A first run for the tests of this describe block: the four stages as processes with no App
 * id, key or webhook secret, only an empty CREDENTIALS_DIR (NODE_ENV=production), as `docker
 * compose up` without `.env`; stopped and removed after the block.
 */
function useFirstRun(label: string): { p: Pipeline; dir: string } {
  const run = {} as { p: Pipeline; dir: string };
  beforeAll(async () => {
    run.dir = join(mkdtempSync(join(tmpdir(), `solstice-${label}-`)), 'credentials');
    run.p = new Pipeline({
      redisUrl: redisUrl(),
      amqpUrl: amqpUrl(),
      label,
      credentialsDir: run.dir,
    });
    run.p.install(OWNER);
    await run.p.start();
  }, 120_000);
  afterAll(async () => {
    await run.p?.stop();
    if (run.dir) rmSync(join(run.dir, '..'), { recursive: true, force: true });
  });
  return run;
}

/** Every stage that needs a credential says what is missing once, and waits, up but not ready. */
async function expectSetupState(p: Pipeline): Promise<void> {
  for (const label of NEEDS_CREDENTIALS) {
    const proc = p.process(label);
    const setup = () => proc.lines.filter((l) => /"msg":"setup: /.test(l));
    await waitFor(() => setup().length === 1, `${label}'s setup line`);
    expect(await p.isReady(proc), label).toBe(false);
    expect(proc.exit, label).toBeUndefined();
  }
  expect(await p.isReady(p.process('publisher'))).toBe(true);
}

/** A signed push of a commit with the 3-job workflow becomes 3 completed Check Runs. */
async function expectChecksFor(p: Pipeline, sha: string): Promise<void> {
  p.contents.put(OWNER, REPO, sha, '.solstice/workflow.kdl', SAMPLE_WORKFLOW);
  const delivery = await p.send('push', pushPayload(p.installationId, sha));
  expect(delivery.status_code).toBe(202);
  const runs = await waitFor(
    () => {
      const done = p.checks.all().filter((r) => r.head_sha === sha && r.status === 'completed');
      return done.length === 3 ? done : undefined;
    },
    'three completed check runs',
    60_000,
  );
  expect(runs.map((r) => r.name).sort()).toEqual(
    SAMPLE_JOBS.map((j) => `Solstice CI / ${j}`).sort(),
  );
  await waitFor(async () => (await p.pending()) === 0, 'nothing pending');
}

describe('first run: App registration on the receiver page, then a push', () => {
  const run = useFirstRun('first-run-page');

  it('waits in the setup state and refuses webhooks meanwhile', async () => {
    const { p } = run;
    await expectSetupState(p);
    const refused = await p.send('push', pushPayload(p.installationId, 'c'.repeat(40)));
    expect(refused.status_code).toBe(503);
    expect(await p.streamLength(p.keys.events)).toBe(0);
  });

  it('registers the App, and every stage starts with its credentials, without a restart', async () => {
    const { p } = run;
    const page = new URL('/', p.receiverUrl).href;
    const answer = await registerApp(page);
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe(
      `${p.manifests.latest()!.htmlUrl}/installations/new`,
    );
    await p.waitReady([...p.processes.values()]);
    for (const label of NEEDS_CREDENTIALS) {
      expect(p.process(label).exit, label).toBeUndefined();
      expect(
        p
          .process(label)
          .lines.filter(
            (l) => l.includes('credentials found') || l.includes('webhook secret found'),
          ),
      ).toHaveLength(1);
    }
    await expectChecksFor(p, 'd'.repeat(40));
    // The Check Runs were written as the new App.
    expect(
      p.standIn.calls.some(
        (c) => c.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(c.path),
      ),
    ).toBe(true);
  });
});

describe('first run: App registration with `solstice app create`, then a push', () => {
  const run = useFirstRun('first-run-cli');

  it('writes the credentials the waiting stages pick up', async () => {
    const { p, dir } = run;
    await expectSetupState(p);
    const out: string[] = [];
    const abort = new AbortController();
    const done = runCli(['app', 'create', '--webhook-url', p.receiverUrl], {
      env: { GITHUB_API_BASE: p.standIn.url, CREDENTIALS_DIR: dir },
      out: (l) => out.push(l),
      err: () => undefined,
      connectRedis,
      signal: abort.signal,
    });
    try {
      const line = await waitFor(() => out.find((l) => l.startsWith('Open ')), 'the page URL');
      const answer = await registerApp(/^Open (\S+)/.exec(line)![1]!);
      expect(answer.status).toBe(302);
      expect(await done).toBe(0);
    } finally {
      abort.abort();
    }
    expect(p.manifests.latest()!.manifest.hook_attributes?.url).toBe(p.receiverUrl);
    await p.waitReady([...p.processes.values()]);
    for (const label of NEEDS_CREDENTIALS) expect(p.process(label).exit, label).toBeUndefined();
    await expectChecksFor(p, 'e'.repeat(40));
  });
});
