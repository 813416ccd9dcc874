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
const OTHER_OWNER = 'other-org';
const OTHER_INSTALLATION = 8;

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
    standIn.addInstallation({ id: OTHER_INSTALLATION, account: OTHER_OWNER, repos: [] });
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
  const record = (requestId: string) => h.redis.hgetall(h.keys.checkRecord(requestId));
  const callsFor = (repo: string, from = 0) =>
    standIn.calls.slice(from).filter((c) => c.path.includes(`/${OWNER}/${repo}/`));
  const shown = (c: { method: string; status: number }) => `${c.method} ${c.status}`;
  const deadWith = async (n: number) => {
    const got: { body: string; reason: string | undefined }[] = [];
    return waitFor(async () => {
      got.push(...(await h.takeDeadWithReasons()));
      return got.length >= n && got;
    }, `${n} dead-lettered results`);
  };
  /** Waits until the job's record shows what it wants (the writer is done with it). */
  const settled = (requestId: string) =>
    waitFor(async () => {
      const r = await record(requestId);
      return r.want !== undefined && Number(r.shown_v ?? 0) >= Number(r.want_v) && r;
    }, `the record of ${requestId} shown`);

  it('creates a queued run and completes it with success: one create and one update', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.published(e);
    const queued = await queuedRun(e.job.request_id);
    expect(queued).toMatchObject({
      name: 'Solstice CI / build',
      head_sha: e.job.commit_sha,
      status: 'queued',
      output: { title: 'Queued' },
    });
    expect(queued.output.summary).toContain('illumos-latest');
    await settled(e.job.request_id);

    await h.publishResult(resultFor(e, { summary: 'all 12 tests passed' }));
    const done = await completedRun(e.job.request_id);
    expect(done).toMatchObject({
      id: queued.id,
      conclusion: 'success',
      details_url: `${logServer.url}/jobs/${e.job.request_id}/logs`,
      output: { title: 'Succeeded' },
    });
    expect(done.output.summary).toContain('all 12 tests passed');
    const after = await settled(e.job.request_id);
    expect(after).toMatchObject({
      want: 'completed',
      run_id: String(queued.id),
      installation_id: String(INSTALLATION),
      conclusion: 'success',
      source: 'publisher',
    });
    // Once shown, the record no longer holds the completion's copies.
    expect(after.completion).toBeUndefined();
    expect(after.result).toBeUndefined();
    expect(callsFor(repo).map(shown)).toEqual(['POST 201', 'PATCH 200']);
    expect(await h.counter('solstice_check_runs_created_total', { status: 'queued' })).toBe(1);
    expect(
      await h.counter('solstice_github_writes_total', {
        installation: String(INSTALLATION),
        kind: 'update',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('creates one completed run, with the job name and no list call, when the result comes first', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha(), jobId: 'lint' });
    // The publisher wrote the record; its result overtakes the {P}:checks entry.
    await h.recordPublished(e);
    await h.publishResult(resultFor(e, { success: false, exit_code: 1 }));
    const done = await completedRun(e.job.request_id);
    expect(done).toMatchObject({ name: 'Solstice CI / lint', conclusion: 'failure' });
    expect(done.history.map((s) => s.status)).toEqual(['completed']);
    await h.addQueued(e);
    await waitFor(() => h.checksDrained(), 'the late queued entry handled');
    await settled(e.job.request_id);
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
    expect(callsFor(repo).map(shown)).toEqual(['POST 201']);
    expect(await h.counter('solstice_check_runs_created_total', { status: 'completed' })).toBe(1);
  });

  it('completes a result without repository fields from what its record knows', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    await h.published(e);
    const { repo_url: _u, repo_owner: _o, repo_name: _n, commit_sha: _c, ...bare } = resultFor(e);
    await h.publishResult(bare);
    const done = await completedRun(e.job.request_id);
    expect(done).toMatchObject({ head_sha: e.job.commit_sha, conclusion: 'success' });
  });

  it('dead-letters a result for a request the pipeline never published, and writes nothing', async () => {
    const repo = uniqueName('repo');
    const forged = resultFor(envelopeFor({ repo, sha: newSha() }));
    await h.publishResult(forged);
    const [dead] = await deadWith(1);
    expect(JSON.parse(dead!.body)).toEqual(forged);
    expect(dead!.reason).toMatch(/^no record: not published by this pipeline/);
    expect(callsFor(repo)).toEqual([]);
    expect(await record(forged.request_id)).toEqual({});
    expect(await h.counter('solstice_jobresults_total', { outcome: 'untrusted' })).toBe(1);
  });

  it('dead-letters a result that names another commit than the one published', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.recordPublished(e);
    const other = newSha();
    await h.publishResult(resultFor(e, { commit_sha: other }));
    const [dead] = await deadWith(1);
    expect(dead!.reason).toBe(
      `does not match the published request: commit_sha ${other} (published: ${e.job.commit_sha})`,
    );
    expect(callsFor(repo)).toEqual([]);
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
    await h.published(e);
    const queued = await queuedRun(e.job.request_id);
    expect(queued.owner).toBe(OWNER);
    expect(queued.repo).toBe(base);
    // The result names the fork, as the orchestrator saw the job.
    await h.publishResult(resultFor(e));
    const done = await completedRun(e.job.request_id);
    expect(done.output.summary).toContain('script must stay inside the repository');
  });

  it('completes a run with failure: conclusion, exit code and a summary cut to 65,535', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha(), jobId: 'test' });
    await h.published(e);
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
    await h.published(e);
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

  it('makes one run for a {P}:checks entry from before the records (no record yet)', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.addQueued(e);
    await queuedRun(e.job.request_id);
    expect(await settled(e.job.request_id)).toMatchObject({ source: 'checks', want: 'queued' });
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    expect(callsFor(repo).map(shown)).toEqual(['POST 201', 'PATCH 200']);
  });

  it('looks the installation up when the event named none, then writes', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha(), installationId: null });
    await h.published(e);
    await queuedRun(e.job.request_id);
    expect((await settled(e.job.request_id)).installation_id).toBe(String(INSTALLATION));
    expect(callsFor(repo).map((c) => `${c.method} ${c.auth}`)).toEqual(['GET jwt', 'POST token']);
  });

  it('finds the run a copy created before it died, instead of making a second', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    const made = runs.add({
      owner: OWNER,
      repo,
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
    // A copy marked its create in flight, GitHub made the run, and the copy died.
    await h.recordPublished(e);
    await h.redis.hset(h.keys.checkRecord(e.job.request_id), 'inflight', String(Date.now()));
    await h.addQueued(e);
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
    expect((await settled(e.job.request_id)).run_id).toBe(String(made.id));
    expect(callsFor(repo).map((c) => `${c.method} ${c.path.split('/').at(-1)}`)).toEqual([
      'GET check-runs',
      `PATCH ${made.id}`,
    ]);
  });

  it('makes one run for a duplicated {P}:checks entry and updates once for a duplicated result', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.published(e);
    await h.addQueued(e);
    await waitFor(() => h.checksDrained(), 'both entries handled');
    await settled(e.job.request_id);
    await h.addQueued(e);
    await waitFor(() => h.checksDrained(), 'a later duplicate handled');
    const result = resultFor(e);
    await h.publishResult(result);
    await completedRun(e.job.request_id);
    await settled(e.job.request_id);
    const before = await h.counter('solstice_jobresults_total', { outcome: 'duplicate' });
    await h.publishResult(result);
    await waitFor(
      async () => (await h.counter('solstice_jobresults_total', { outcome: 'duplicate' })) > before,
      'the duplicate recognised',
    );
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
    expect(callsFor(repo).map(shown)).toEqual(['POST 201', 'PATCH 200']);
    expect(await h.takeDead()).toEqual([]);
  });

  it('tries a write GitHub answers 502 again and completes the run', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.published(e);
    await settled(e.job.request_id);
    standIn.fail(
      { method: 'PATCH', path: new RegExp(`/${repo}/check-runs/`) },
      { status: 502, body: { message: 'Bad Gateway' } },
      2,
    );
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    expect(callsFor(repo).map(shown)).toEqual(['POST 201', 'PATCH 502', 'PATCH 502', 'PATCH 200']);
    expect(await h.takeDead()).toEqual([]);
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
    await h.published(e);
    await settled(e.job.request_id);
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
    // The uncertain create is looked up before anything else is written.
    expect(callsFor(repo).map(shown)).toEqual(['POST 502', 'GET 200']);
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    expect(runs.withExternalId(e.job.request_id)).toHaveLength(1);
  });

  it('gives a completion up after WRITE_MAX_ATTEMPTS failures: its result goes to the DLQ with the reason', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.published(e);
    await settled(e.job.request_id);
    standIn.fail(
      { method: 'PATCH', path: new RegExp(`/${repo}/check-runs/`) },
      { status: 503, body: { message: 'Service Unavailable' } },
      1000,
    );
    const result = resultFor(e);
    await h.publishResult(result);
    const [dead] = await deadWith(1);
    expect(JSON.parse(dead!.body)).toEqual(result);
    expect(dead!.reason).toMatch(/^gave up after 3 attempts: 503 /);
    expect(callsFor(repo).map(shown)).toEqual(['POST 201', 'PATCH 503', 'PATCH 503', 'PATCH 503']);
    expect(await record(e.job.request_id)).toMatchObject({ gave_up: '2' });
    expect(
      await h.counter('solstice_check_jobs_given_up_total', { want: 'completed' }),
    ).toBeGreaterThanOrEqual(1);
    // Nothing is left waiting for the installation's writer.
    expect(await h.redis.zscore(h.keys.writer.queue(INSTALLATION), e.job.request_id)).toBeNull();
  });

  it('gives a queued run GitHub refuses for good up at once: its entry goes to {P}:checks:dead', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    standIn.fail(
      { method: 'POST', path: new RegExp(`/${repo}/check-runs$`) },
      { status: 422, body: { message: 'Validation Failed' } },
    );
    await h.published(e);
    const dead = await waitFor(async () => {
      const all = await h.deadEntries();
      return all.find((d) => d.request_id === e.job.request_id);
    }, 'the dead {P}:checks entry');
    expect(dead.dead_error).toMatch(
      /^GitHub refused to create a Check Run on .*: 422 Validation Failed/,
    );
    expect(JSON.parse(dead.job!)).toEqual(e.job);
    expect(callsFor(repo).map(shown)).toEqual(['POST 422']);
  });

  it('dead-letters a result whose repository the App is not installed on', async () => {
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha(), installationId: null });
    e.check_repository = { owner: 'nobody', name: e.job.repo_name };
    e.job = { ...e.job, repo_owner: 'nobody' };
    await h.recordPublished(e);
    await h.publishResult(resultFor(e));
    const [dead] = await deadWith(1);
    expect(JSON.parse(dead!.body)).toMatchObject({ request_id: e.job.request_id });
    expect(dead!.reason).toMatch(/installation on nobody\/.* 404/);
  });

  it('writes a result that came during its create after the jobs queued before it', async () => {
    const repo = uniqueName('repo');
    const a = envelopeFor({ repo, sha: newSha(), jobId: 'a' });
    const b = envelopeFor({ repo, sha: newSha(), jobId: 'b' });
    let release: () => void = () => undefined;
    // A's create reaches GitHub, whose answer waits while A's result comes.
    standIn.hold(
      { method: 'POST', path: new RegExp(`/${repo}/check-runs$`) },
      new Promise<void>((resolve) => (release = resolve)),
    );
    await h.published(a);
    await waitFor(() => callsFor(repo).length === 1, "A's create sent");
    await h.published(b);
    await h.publishResult(resultFor(a));
    await waitFor(
      async () => (await record(a.job.request_id)).want === 'completed',
      "A's result recorded",
    );
    release();
    const doneA = await completedRun(a.job.request_id);
    const runB = await queuedRun(b.job.request_id);
    expect(callsFor(repo).map((c) => `${c.method} ${c.path.split('/').at(-1)}`)).toEqual([
      'POST check-runs',
      'POST check-runs',
      `PATCH ${doneA.id}`,
    ]);
    expect(runB.id).toBeGreaterThan(doneA.id);
  });

  it('pauses an installation whose rate limit is used up until the reset; another goes on', async () => {
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    const resetS = Math.ceil(Date.now() / 1000) + 2;
    standIn.fail(
      { method: 'POST', path: new RegExp(`/${repo}/check-runs$`) },
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetS) },
        body: { message: 'API rate limit exceeded for installation ID 7.' },
      },
    );
    await h.published(e);
    await waitFor(() => callsFor(repo).length === 1, 'the refused create');
    // Another installation's job, queued while the first installation is paused.
    const other = uniqueName('other');
    const o = envelopeFor({ repo: other, sha: newSha(), installationId: OTHER_INSTALLATION });
    o.check_repository = { owner: OTHER_OWNER, name: other };
    await h.published(o);
    await queuedRun(o.job.request_id);
    await queuedRun(e.job.request_id);
    const creates = standIn.writes().filter((w) => w.path.endsWith('/check-runs'));
    const order = creates
      .filter((w) => w.path.includes(repo) || w.path.includes(other))
      .map((w) => `${w.path.includes(repo) ? 'paused' : 'other'} ${w.status}`);
    expect(order).toEqual(['paused 403', 'other 201', 'paused 201']);
    // Not one write of the paused installation before GitHub's reset.
    const retried = creates.find((w) => w.path.includes(repo) && w.status === 201)!;
    expect(retried.at).toBeGreaterThanOrEqual(resetS * 1000);
    expect(await h.takeDead()).toEqual([]);
  });

  it('dead-letters invalid results with their reasons and keeps consuming', async () => {
    await h.publishResult('{"not json');
    await h.publishResult(JSON.stringify({ schema_version: 'jobresult.v1', request_id: 'x' }));
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    await h.published(e);
    await h.publishResult(resultFor(e));
    await completedRun(e.job.request_id);
    const dead = await deadWith(2);
    expect(dead.map((d) => d.body)).toEqual([
      '{"not json',
      JSON.stringify({ schema_version: 'jobresult.v1', request_id: 'x' }),
    ]);
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/request_id must be a UUID/),
    ]);
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

describe('reporter with REDIS_MIN_REPLICAS_ACK', () => {
  it('creates no Check Run while the mark of its create has not reached enough replicas', async () => {
    const key = generateAppKey();
    const runs = new CheckRunStore();
    const standIn = await createStandIn({ appId: 42, key, checks: runs }).start();
    standIn.addInstallation({ id: INSTALLATION, account: OWNER, repos: [] });
    // No test Redis has 16 replicas: every WAIT comes back short.
    const h = await startHarness(standIn, key, {
      REDIS_MIN_REPLICAS_ACK: '16',
      REDIS_REPLICAS_ACK_TIMEOUT_MS: '20',
      WRITE_MAX_ATTEMPTS: '100',
    });
    try {
      const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
      await h.published(e);
      const short = await waitFor(
        () =>
          h.logs
            .lines()
            .filter(
              (l) =>
                l.msg === 'Check Run write failed; tried again later' &&
                /of 16 replicas acknowledged within 20 ms/.test(String(l.reason)),
            )
            .at(1),
        'two writes held back for the replicas',
      );
      expect(short.request_id).toBe(e.job.request_id);
      expect(runs.withExternalId(e.job.request_id)).toHaveLength(0);
      expect(
        standIn.calls.filter((c) => c.method === 'POST' && /check-runs$/.test(c.path)),
      ).toEqual([]);
    } finally {
      await h.close();
      await standIn.close();
    }
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
