import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckRunStore,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
  type StandInCheckRun,
} from '@solstice/github-standin';
import { uniqueName } from '../../../../test/support/servers.js';
import {
  INSTALLATION,
  OWNER,
  envelopeFor,
  newSha,
  resultFor,
  startHarness,
  startLogServer,
  waitFor,
  type Harness,
} from './harness.js';

const BUCKET = 'solstice-logs';

describe('reporter: JobRequests become queued Check Runs, JobResults complete them', () => {
  const key = generateAppKey();
  const runs = new CheckRunStore();
  let standIn: GitHubStandIn;
  let s3: S3rver;
  let s3Url = '';
  let s3Dir = '';
  let logServer: Awaited<ReturnType<typeof startLogServer>>;
  let h: Harness;

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 42, key, checks: runs }).start();
    standIn.addInstallation({ id: INSTALLATION, account: OWNER, repos: [] });
    s3Dir = mkdtempSync(join(tmpdir(), 'reporter-s3-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: BUCKET }],
    });
    s3Url = `http://127.0.0.1:${(await s3.run()).port}`;
    logServer = await startLogServer();
    // The AWS SDK reads its credentials from the environment, as in production.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    h = await startHarness(standIn, key, {
      LOGS_BASE_URL: logServer.url,
      S3_ENDPOINT: s3Url,
      S3_BUCKET: BUCKET,
    });
  });

  afterAll(async () => {
    await h?.close();
    await logServer?.close();
    await s3?.close();
    await standIn?.close();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  const runOf = (requestId: string) => runs.withExternalId(requestId)[0];
  const completedRun = (requestId: string) =>
    waitFor(() => {
      const run = runOf(requestId);
      return run?.status === 'completed' ? run : undefined;
    }, `a completed Check Run for ${requestId}`);
  const queuedRun = (requestId: string) =>
    waitFor(() => runOf(requestId), `a Check Run for ${requestId}`);
  const record = async (requestId: string) =>
    JSON.parse((await h.redis.get(h.keys.checkRun(requestId))) ?? 'null');
  const callsFor = (repo: string, from: number) =>
    standIn.calls.slice(from).filter((c) => c.path.includes(`/${OWNER}/${repo}/`));

  it('creates a queued run and completes it with success: one create and one update', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    const from = standIn.calls.length;
    await h.addQueued(e);
    const queued = await queuedRun(e.job.request_id);
    expect(queued).toMatchObject({
      name: 'Solstice CI / build',
      head_sha: e.job.commit_sha,
      status: 'queued',
      output: { title: 'Queued' },
    });
    expect(queued.output.summary).toContain('illumos-latest');
    await waitFor(async () => (await record(e.job.request_id))?.state === 'queued', 'record');

    await h.publishResult(resultFor(e, { summary: 'all 12 tests passed' }));
    const done = await completedRun(e.job.request_id);
    expect(done).toMatchObject({
      id: queued.id,
      conclusion: 'success',
      details_url: `${logServer.url}/jobs/${e.job.request_id}/logs`,
      output: { title: 'Succeeded' },
    });
    expect(done.output.summary).toContain('all 12 tests passed');
    // The record is written once GitHub has answered the update, just before the ack.
    await waitFor(async () => (await record(e.job.request_id))?.state === 'completed', 'record');
    expect(await record(e.job.request_id)).toMatchObject({
      state: 'completed',
      check_run_id: queued.id,
      installation_id: INSTALLATION,
      conclusion: 'success',
    });
    const calls = callsFor(repo, from).map((c) => `${c.method} ${c.status}`);
    expect(calls).toEqual(['POST 201', 'PATCH 200']);
    expect(await h.counter('solstice_check_runs_created_total', { status: 'queued' })).toBe(1);
    expect(
      await h.counter('solstice_check_runs_completed_total', { conclusion: 'success' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("puts a fork pull request's run on the base repository, and shows the workflow problem when it completes", async () => {
    const base = uniqueName('base');
    const e = envelopeFor({ repo: base, sha: newSha() });
    // The job builds the fork's commit; the event (and the App) is on the base repository.
    e.job = {
      ...e.job,
      repo_owner: 'fork-owner',
      repo_name: 'fork',
      repo_url: 'https://github.com/fork-owner/fork.git',
    };
    e.check_repository = { owner: OWNER, name: base };
    e.workflow_error = 'job "x": script must stay inside the repository';
    await h.addQueued(e);
    const queued = await queuedRun(e.job.request_id);
    expect(queued.owner).toBe(OWNER);
    expect(queued.repo).toBe(base);
    await h.publishResult(resultFor(e));
    const done = await completedRun(e.job.request_id);
    expect(done.output.summary).toContain('script must stay inside the repository');
  });

  it('completes a run with failure: conclusion, exit code and a summary cut to 65,535', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha(), jobId: 'test' });
    await h.addQueued(e);
    await queuedRun(e.job.request_id);
    await h.publishResult(
      resultFor(e, { success: false, exit_code: 3, summary: 'E'.repeat(70_000) }),
    );
    const done = await completedRun(e.job.request_id);
    expect(done.name).toBe('Solstice CI / test');
    expect(done.conclusion).toBe('failure');
    expect(done.output.title).toBe('Failed (exit 3)');
    expect(done.output.summary!.length).toBeLessThanOrEqual(65_535);
    expect(done.output.summary).toMatch(/^E{1000}/);
    expect(done.details_url).toBe(`${logServer.url}/jobs/${e.job.request_id}/logs`);
  });

  it('uploads the job log to S3 and links it from the run', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    await h.addQueued(e);
    await queuedRun(e.job.request_id);
    await h.publishResult(resultFor(e));
    const done = await completedRun(e.job.request_id);
    const key = `logs/${e.job.request_id}.log`;
    expect(done.output.summary).toContain(`[Full log](${s3Url}/${BUCKET}/${key})`);
    const client = new S3Client({ endpoint: s3Url, region: 'us-east-1', forcePathStyle: true });
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(object.ContentType).toMatch(/^text\/plain/);
    expect(await object.Body!.transformToString()).toBe(`log of ${e.job.request_id}\nexit 0\n`);
  });

  it('creates a completed run for a result whose queued run does not exist', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    const from = standIn.calls.length;
    await h.publishResult(resultFor(e));
    const done = await completedRun(e.job.request_id);
    expect(done).toMatchObject({
      name: `Solstice CI (${e.job.request_id.slice(0, 8)})`,
      head_sha: e.job.commit_sha,
      conclusion: 'success',
    });
    expect(done.history.map((s) => s.status)).toEqual(['completed']);
    // It looked for the run first (installation by JWT, then the commit's runs), then made one.
    expect(callsFor(repo, from).map((c) => `${c.method} ${c.auth}`)).toEqual([
      'GET jwt',
      'GET token',
      'POST token',
    ]);
    expect(await h.counter('solstice_check_runs_created_total', { status: 'completed' })).toBe(1);
  });

  it('keeps a run completed when its result came before the queued entry', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha(), jobId: 'lint' });
    await h.publishResult(resultFor(e, { success: false, exit_code: 1 }));
    await completedRun(e.job.request_id);
    await h.addQueued(e);
    await waitFor(() => h.checksDrained(), 'the late queued entry handled');
    const all = runs.withExternalId(e.job.request_id);
    expect(all).toHaveLength(1);
    expect(all[0]!.status).toBe('completed');
    expect(all[0]!.conclusion).toBe('failure');
    expect(all[0]!.history.map((s) => s.status)).not.toContain('queued');
    // The late entry only gave the run its job's name.
    expect(all[0]!.name).toBe('Solstice CI / lint');
  });

  it('finds the run a dead copy created before it could write the record', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    const made = runs.add({
      owner: OWNER,
      repo: e.job.repo_name,
      installationId: INSTALLATION,
      head_sha: e.job.commit_sha,
      external_id: e.job.request_id,
      name: e.check_name,
      status: 'queued',
      conclusion: null,
      started_at: null,
      completed_at: null,
      details_url: null,
      output: { title: 'Queued', summary: '', text: null },
    });
    // The claim of a copy that died after GitHub's create: older than any lease.
    await h.redis.set(
      h.keys.checkRun(e.job.request_id),
      JSON.stringify({
        request_id: e.job.request_id,
        state: 'creating',
        owner: OWNER,
        repo: e.job.repo_name,
        head_sha: e.job.commit_sha,
        name: e.check_name,
        claim: 'dead-copy',
        claimed_at: 0,
      }),
    );
    await h.addQueued(e);
    await waitFor(async () => (await record(e.job.request_id))?.state === 'queued', 'record');
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
    expect((await record(e.job.request_id)).check_run_id).toBe(made.id);
  });

  it('makes one run for a duplicated {P}:checks entry', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    await h.addQueued(e);
    await h.addQueued(e);
    await waitFor(() => h.checksDrained(), 'both entries handled');
    await h.addQueued(e);
    await waitFor(() => h.checksDrained(), 'a later duplicate handled');
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
  });

  it('updates once for a duplicated result and acks both', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.addQueued(e);
    await queuedRun(e.job.request_id);
    const before = await h.counter('solstice_jobresults_total', { outcome: 'duplicate' });
    const from = standIn.calls.length;
    const result = resultFor(e);
    await h.publishResult(result);
    await waitFor(async () => (await record(e.job.request_id))?.state === 'completed', 'record');
    await h.publishResult(result);
    await waitFor(
      async () => (await h.counter('solstice_jobresults_total', { outcome: 'duplicate' })) > before,
      'the duplicate recognised',
    );
    expect(callsFor(repo, from).filter((c) => c.method === 'PATCH')).toHaveLength(1);
    expect(await h.takeDead()).toEqual([]);
  });

  it('retries a GitHub 502 and completes the run', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.addQueued(e);
    await queuedRun(e.job.request_id);
    const from = standIn.calls.length;
    standIn.fail(
      { method: 'PATCH', path: new RegExp(`/${repo}/check-runs/`) },
      { status: 502, body: { message: 'Bad Gateway' } },
    );
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    expect(callsFor(repo, from).map((c) => `${c.method} ${c.status}`)).toEqual([
      'PATCH 502',
      'PATCH 200',
    ]);
  });

  it('makes one run when GitHub created it but answered 502', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    standIn.fail(
      { method: 'POST', path: new RegExp(`/${repo}/check-runs$`) },
      { status: 502, body: { message: 'Bad Gateway' } },
      1,
      { afterHandling: true },
    );
    await h.addQueued(e);
    await waitFor(
      async () => (await record(e.job.request_id))?.state === 'queued',
      'the run recorded',
      20_000,
    );
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
  });

  it('keeps a result unacked while GitHub stays down, and shows it once GitHub is back', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.addQueued(e);
    await queuedRun(e.job.request_id);
    // More 502s than plugin-retry's own retries: the consumer has to try again itself.
    standIn.fail(
      { method: 'PATCH', path: new RegExp(`/${repo}/check-runs/`) },
      { status: 503, body: { message: 'Service Unavailable' } },
      6,
    );
    await h.publishResult(resultFor(e));
    const done = await completedRun(e.job.request_id);
    expect(done.conclusion).toBe('success');
    expect(await h.counter('solstice_jobresults_total', { outcome: 'retried' })).toBeGreaterThan(0);
    expect(await h.takeDead()).toEqual([]);
  });

  it('dead-letters invalid results with a logged reason and keeps consuming', async () => {
    await h.publishResult('{"not json');
    await h.publishResult(JSON.stringify({ schema_version: 'jobresult.v1', request_id: 'x' }));
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    const dead = await waitFor(async () => {
      const got = await h.takeDead();
      return got.length > 0 ? got : undefined;
    }, 'dead letters');
    const more = await waitFor(async () => {
      const all = [...dead, ...(await h.takeDead())];
      return all.length >= 2 ? all : undefined;
    }, 'both dead letters');
    expect(more).toEqual([
      '{"not json',
      JSON.stringify({ schema_version: 'jobresult.v1', request_id: 'x' }),
    ]);
    const reasons = h.logs
      .lines()
      .filter((l) => l.msg === 'invalid JobResult dead-lettered')
      .map((l) => l.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/request_id must be a UUID/),
    ]);
  });

  it('dead-letters a result GitHub refuses for good (App not installed on the repo)', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    const result = { ...resultFor(e), repo_owner: 'nobody' };
    await h.publishResult(result);
    const dead = await waitFor(async () => {
      const got = await h.takeDead();
      return got.length > 0 ? got : undefined;
    }, 'the refused result in the DLQ');
    expect(JSON.parse(dead[0]!)).toMatchObject({ request_id: e.job.request_id });
    const line = h.logs.lines().find((l) => l.request_id === e.job.request_id && l.reason);
    expect(line?.reason).toMatch(/installation on nobody\/.* 404/);
  });
});

describe('reporter with S3 unreachable', () => {
  const key = generateAppKey();
  const runs = new CheckRunStore();
  let standIn: GitHubStandIn;
  let logServer: Awaited<ReturnType<typeof startLogServer>>;
  let h: Harness;

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 43, key, checks: runs }).start();
    standIn.addInstallation({ id: INSTALLATION, account: OWNER, repos: [] });
    logServer = await startLogServer();
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    h = await startHarness(standIn, key, {
      LOGS_BASE_URL: logServer.url,
      S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
      S3_BUCKET: BUCKET,
    });
  });
  afterAll(async () => {
    await h?.close();
    await logServer?.close();
    await standIn?.close();
  });

  it('still completes the run, without a log link, and says why', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    await h.addQueued(e);
    await h.publishResult(resultFor(e));
    const done: StandInCheckRun = await waitFor(() => {
      const run = runs.withExternalId(e.job.request_id)[0];
      return run?.status === 'completed' ? run : undefined;
    }, 'the completed run');
    expect(done.conclusion).toBe('success');
    expect(done.output.summary).not.toContain('Full log');
    expect(
      h.logs
        .lines()
        .some((l) => l.msg === 'job log upload failed; the result is reported without it'),
    ).toBe(true);
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
