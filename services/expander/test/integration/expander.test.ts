import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import {
  checkIdentityFields,
  checkIdentityOf,
  groupIdFor,
  noticeFromFields,
  requestIdFor,
} from '@solstice/shared';
import { jobEnvelope } from '../../../../test/support/fixtures.js';
import { generateAppKey } from '@solstice/github-standin';
import { waitFor } from '../../../../test/support/wait.js';
import type { WorkflowSource } from '../../src/adapters/workflow-source.js';
import { expandEvent } from '../../src/expand-event.js';
import { WORKFLOW_PATH } from '../../src/to-job-requests.js';
import {
  INSTALLATION,
  OWNER,
  checkRunPayload,
  eventFields,
  harness,
  newSha,
  pullRequestPayload,
  pushPayload,
  startGitHub,
  type Harness,
} from './harness.js';

const THREE_JOBS = `
workflow name="CI" {
    job "build" runs_on="illumos-latest" script=".solstice/build.sh"
    job "test" {
        runs_on "ubuntu-22.04"
        script ".solstice/test.sh"
    }
    job "lint" script=".solstice/lint.sh"
}
`;

const CONTENTS = /^\/repos\/[^/]+\/[^/]+\/contents\//;
const MINT = /^\/app\/installations\/\d+\/access_tokens$/;

describe('expander against Redis and the GitHub stand-in', () => {
  let github: Awaited<ReturnType<typeof startGitHub>>;
  let h: Harness;
  let repoCount = 0;
  // A repository of its own per test: the stand-in's call log is shared by the file.
  const newRepo = () => `repo-${++repoCount}-${newSha().slice(0, 6)}`;
  const callsFor = (repo: string, path: RegExp) =>
    github.standIn.calls.filter((c) => c.path.includes(`/${repo}/`) && path.test(c.path));

  beforeAll(async () => {
    github = await startGitHub();
  });
  afterAll(async () => {
    await github.standIn.close();
  });
  afterEach(async () => {
    await h.close();
  });

  it('turns a push with a 3-job workflow into 3 {P}:jobs entries with every field right', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    const mintsBefore = github.standIn.callsTo('POST', MINT).length;
    const event = eventFields('push', pushPayload(repo, sha));
    await h.start({ RUNS_ON_DEFAULT: 'default-runner' });
    await h.addEvent(event);

    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 3 && j;
    }, '3 jobs');
    const common = {
      schema_version: 'jobrequest.v1',
      group_id: groupIdFor(event.delivery),
      source: 'github',
      repo_url: `https://github.com/${OWNER}/${repo}.git`,
      repo_owner: OWNER,
      repo_name: repo,
      commit_sha: sha,
      workflow_path: '.solstice/workflow.kdl',
    };
    expect(jobs.map((e) => e.job)).toEqual([
      {
        ...common,
        request_id: requestIdFor(event.delivery, 'build'),
        workflow_job_id: 'build',
        runs_on: 'illumos-latest',
        script_path: '.solstice/build.sh',
        submitted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
      {
        ...common,
        request_id: requestIdFor(event.delivery, 'test'),
        workflow_job_id: 'test',
        runs_on: 'ubuntu-22.04',
        script_path: '.solstice/test.sh',
        submitted_at: expect.any(String),
      },
      {
        ...common,
        request_id: requestIdFor(event.delivery, 'lint'),
        workflow_job_id: 'lint',
        runs_on: 'default-runner',
        script_path: '.solstice/lint.sh',
        submitted_at: expect.any(String),
      },
    ]);
    expect(
      jobs.map((e) => [e.check_name, e.delivery, e.installation_id, e.workflow_error]),
    ).toEqual(
      ['build', 'test', 'lint'].map((id) => [
        `Solstice CI / ${id}`,
        event.delivery,
        INSTALLATION,
        '',
      ]),
    );

    // The cost of one push: one Contents call, one installation token.
    const contents = callsFor(repo, CONTENTS);
    expect(contents.map((c) => [c.status, c.auth, c.query.get('ref')])).toEqual([
      [200, 'token', sha],
    ]);
    expect(github.standIn.callsTo('POST', MINT).length - mintsBefore).toBe(1);

    const port = (h.expander!.ops!.address() as AddressInfo).port;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^solstice_jobrequests_emitted_total\{[^}]*\} 3$/m);
    expect(metrics).toMatch(/^solstice_workflow_fetches_total\{result="found"[^}]*\} 1$/m);
  });

  it('mints one installation token for many events', async () => {
    h = harness(github);
    const repo = newRepo();
    const mintsBefore = github.standIn.callsTo('POST', MINT).length;
    const shas = Array.from({ length: 5 }, newSha);
    for (const sha of shas) github.putWorkflow(repo, sha, 'job "build"');
    await h.start();
    for (const sha of shas) await h.addEvent(eventFields('push', pushPayload(repo, sha)));
    await waitFor(async () => (await h.jobs()).length === 5, '5 jobs');
    expect(callsFor(repo, CONTENTS)).toHaveLength(5);
    expect(github.standIn.callsTo('POST', MINT).length - mintsBefore).toBe(1);
  });

  it('fetches the workflow once per commit: a push and a pull request of the same sha', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    await h.start();
    const push = eventFields('push', pushPayload(repo, sha));
    const pr = eventFields('pull_request', pullRequestPayload(repo, sha));
    await h.addEvent(push);
    await h.addEvent(pr);
    await waitFor(async () => (await h.jobs()).length === 6, '6 jobs');
    // Later, the same commit again (a re-opened pull request): from the cache.
    const again = eventFields('pull_request', pullRequestPayload(repo, sha));
    await h.addEvent(again);
    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 9 && j;
    }, '9 jobs');

    expect(callsFor(repo, CONTENTS)).toHaveLength(1);
    expect(new Set(jobs.map((e) => e.job.group_id))).toEqual(
      new Set([push, pr, again].map((e) => groupIdFor(e.delivery))),
    );
    expect(jobs.every((e) => e.job.commit_sha === sha && e.job.workflow_job_id !== null)).toBe(
      true,
    );
  });

  it('retries a 5xx of the Contents API and then expands the event', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    github.standIn.fail(
      { method: 'GET', path: new RegExp(`/${repo}/contents/`) },
      { status: 502, body: { message: 'Server Error' } },
      2,
    );
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, sha)));
    await waitFor(async () => (await h.jobs()).length === 3, '3 jobs');
    expect(callsFor(repo, CONTENTS).map((c) => c.status)).toEqual([502, 502, 200]);
    expect(await h.dead()).toEqual([]);
  });

  it('leaves the event pending when GitHub keeps failing past the retries, and expands it later', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, 'job "build"');
    github.standIn.fail(
      { method: 'GET', path: new RegExp(`/${repo}/contents/`) },
      { status: 503, body: { message: 'Service Unavailable' } },
      6,
    );
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, sha)));
    await waitFor(async () => (await h.jobs()).length === 1, 'the job after a later delivery');
    const failed = h.logs.lines().find((l) => l.msg?.toString().startsWith('entry failed'));
    expect(failed?.err).toMatch(
      new RegExp(`^reading .solstice/workflow.kdl of ${OWNER}/${repo}@${sha} failed: 503`),
    );
    expect(callsFor(repo, CONTENTS).map((c) => c.status)).toEqual([
      503, 503, 503, 503, 503, 503, 200,
    ]);
    expect(await h.dead()).toEqual([]);
  });

  it('defers a rate-limited event without waiting in its batch, and expands it once GitHub allows', async () => {
    h = harness(github);
    const [limited, other] = [newRepo(), newRepo()];
    const [limitedSha, otherSha] = [newSha(), newSha()];
    github.putWorkflow(limited, limitedSha, 'job "build"');
    github.putWorkflow(other, otherSha, 'job "test"');
    // A secondary limit asking for 2 s: over GITHUB_MAX_WAIT_MS, so the client does not sit it out.
    github.standIn.fail(
      { method: 'GET', path: new RegExp(`/${limited}/contents/`) },
      {
        status: 403,
        headers: { 'retry-after': '2' },
        body: { message: 'You have exceeded a secondary rate limit' },
      },
    );
    await h.start({ GITHUB_MAX_WAIT_MS: '0', STAGE_BATCH_SIZE: '10' });
    await h.addEvent(eventFields('push', pushPayload(limited, limitedSha)));
    await h.addEvent(eventFields('push', pushPayload(other, otherSha)));
    // Its batch mate goes through while it waits.
    await waitFor(async () => (await h.jobs()).length === 1, "the batch mate's job");
    expect((await h.jobs())[0]!.job.workflow_job_id).toBe('test');
    const deferred = h.logs.lines().find((l) => l.msg?.toString().startsWith('entry deferred'));
    expect(deferred?.err).toMatch(
      new RegExp(
        `^reading .solstice/workflow.kdl of ${OWNER}/${limited}@${limitedSha} is rate limited until`,
      ),
    );
    await waitFor(async () => (await h.jobs()).length === 2, 'the deferred job', 20_000);
    // One refused call, then one after the time GitHub gave: no wait and no retry in the client.
    expect(callsFor(limited, CONTENTS).map((c) => c.status)).toEqual([403, 200]);
    expect(await h.dead()).toEqual([]);
  });

  it('retries later when GitHub does not know the commit yet', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, 'job "build"');
    github.standIn.fail(
      { method: 'GET', path: new RegExp(`/${repo}/contents/`) },
      { status: 404, body: { message: `No commit found for the ref ${sha}` } },
    );
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, sha)));
    const [job] = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 1 && j;
    }, 'the job after the retry');
    expect(job!.job.workflow_job_id).toBe('build');
    expect(callsFor(repo, CONTENTS).map((c) => c.status)).toEqual([404, 200]);
  });

  it('gives the single job without workflow when the commit has no workflow file (404)', async () => {
    h = harness(github);
    const repo = newRepo();
    const event = eventFields('push', pushPayload(repo, newSha()));
    await h.start();
    await h.addEvent(event);
    const [job, ...rest] = await waitFor(async () => {
      const j = await h.jobs();
      return j.length > 0 && j;
    }, 'the single job');
    expect(rest).toEqual([]);
    expect(job!.job).toMatchObject({
      request_id: requestIdFor(event.delivery, ''),
      workflow_path: null,
      workflow_job_id: null,
      script_path: null,
      runs_on: null,
    });
    expect([job!.check_name, job!.workflow_error]).toEqual(['Solstice CI', '']);
    expect(callsFor(repo, CONTENTS).map((c) => c.status)).toEqual([404]);
  });

  it('carries the reason a workflow file cannot be used to the single job', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, 'job "build" script="../../etc/passwd"');
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, sha)));
    const [job] = await waitFor(async () => {
      const j = await h.jobs();
      return j.length > 0 && j;
    }, 'the single job');
    expect(job!.job.workflow_job_id).toBeNull();
    expect(job!.workflow_error).toBe(
      `.solstice/workflow.kdl: job "build": script "../../etc/passwd" has a '..' segment (it must stay in the repository)`,
    );
  });

  it("finds the App's installation on the repository for an event that names none", async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    const payload = pushPayload(repo, sha);
    delete payload.installation;
    await h.start();
    await h.addEvent(eventFields('push', payload));
    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 3 && j;
    }, 'the 3 jobs');
    expect(jobs.map((e) => e.installation_id)).toEqual([INSTALLATION, INSTALLATION, INSTALLATION]);
    const lookups = callsFor(repo, /\/installation$/);
    expect(lookups.map((c) => [c.method, c.status, c.auth])).toEqual([['GET', 200, 'jwt']]);
  });

  it('gives the single job, saying why, when the App is not installed on that repository', async () => {
    h = harness(github);
    const payload = pushPayload(newRepo(), newSha());
    delete payload.installation;
    payload.repository.full_name = 'elsewhere/repo';
    payload.repository.owner.login = 'elsewhere';
    await h.start();
    await h.addEvent(eventFields('push', payload));
    const [job] = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 1 && j;
    }, 'the single job');
    expect(job!.installation_id).toBeNull();
    expect(job!.workflow_error).toMatch(
      /^\.solstice\/workflow\.kdl: not read: the event names no installation of the GitHub App, and GitHub refused to find the App's installation on elsewhere\/repo-.*: 404 Not Found$/,
    );
  });

  it('reads settings written as `runs_on value="x"`, in KDL 2 and in KDL 1', async () => {
    h = harness(github);
    const repo = newRepo();
    const [v2, v1] = [newSha(), newSha()];
    const job = 'job "build" {\n  runs_on value="illumos-latest"\n  script value="b.sh"\n}\n';
    github.putWorkflow(repo, v2, job);
    github.putWorkflow(repo, v1, `workflow enabled=true {\n${job}}\n`);
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, v2)));
    await h.addEvent(eventFields('push', pushPayload(repo, v1)));
    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 2 && j;
    }, 'the job of each file');
    expect(jobs.map((e) => [e.job.commit_sha, e.job.runs_on, e.job.script_path])).toEqual([
      [v2, 'illumos-latest', 'b.sh'],
      [v1, 'illumos-latest', 'b.sh'],
    ]);
    expect(h.logs.lines().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['workflow file read as KDL 2', 'workflow file read as KDL 1']),
    );
  });

  it('names the line and form of a file mixing KDL 1 and KDL 2 in the single job', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(
      repo,
      sha,
      'workflow {\n  job "build" cache=#false\n  job "test" cache=false\n}\n',
    );
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, sha)));
    const [job, ...rest] = await waitFor(async () => {
      const j = await h.jobs();
      return j.length > 0 && j;
    }, 'the single job');
    expect(rest).toEqual([]);
    expect(job!.job.workflow_job_id).toBeNull();
    expect(job!.workflow_error).toBe(
      '.solstice/workflow.kdl: mixes KDL 1 and KDL 2: ' +
        "line 2 has KDL 2's #false (KDL 1 writes false), " +
        "line 3 has KDL 1's bare false (KDL 2 writes #false); " +
        'write the whole file in one version (KDL 2: https://kdl.dev)',
    );
  });

  it('mints a new token when GitHub refuses a cached one (revoked before its expiry)', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, 'job "build"');
    // auth-app's cache entry for installation 7: token|created|expires|selection|permissions|file
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    await h.redis.set(
      h.keys.tokenCache(String(INSTALLATION)),
      `ghs_revoked000000000000000000000000000|${hourAgo}|${inAnHour}|all|contents,metadata|`,
    );
    const mintsBefore = github.standIn.callsTo('POST', MINT).length;
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, sha)));
    const [job] = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 1 && j;
    }, 'the job');
    expect(job!.job.workflow_job_id).toBe('build');
    expect(callsFor(repo, CONTENTS).map((c) => c.status)).toEqual([401, 200]);
    expect(github.standIn.callsTo('POST', MINT).length - mintsBefore).toBe(1);
  });

  it('dead-letters the event with a clear reason when the App key is wrong', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    await h.start({ GITHUB_APP_KEY: generateAppKey() });
    const event = eventFields('push', pushPayload(repo, sha));
    await h.addEvent(event);
    const [dead] = await waitFor(async () => {
      const d = await h.dead();
      return d.length > 0 && d;
    }, 'the dead event');
    expect(dead!.delivery).toBe(event.delivery);
    expect(dead!.dead_error).toContain(
      `GitHub refused the App's credentials (GITHUB_APP_ID, GITHUB_APP_KEY) for installation ${INSTALLATION}: ` +
        '401 A JSON web token could not be decoded (signature does not match the App key)',
    );
    expect(await h.jobs()).toEqual([]);
    expect(callsFor(repo, CONTENTS)).toEqual([]);
    expect(h.logs.lines().find((l) => l.msg === 'entry dead-lettered')).toMatchObject({
      delivery: event.delivery,
      reason: dead!.dead_error,
    });
    expect(h.logs.text()).not.toContain('PRIVATE KEY');
  });

  it('dead-letters the event and shows a failed run when the App may not read the repository (403)', async () => {
    h = harness(github);
    const repo = newRepo();
    github.standIn.fail(
      { method: 'GET', path: new RegExp(`/${repo}/contents/`) },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
    );
    await h.start();
    await h.addEvent(eventFields('push', pushPayload(repo, newSha())));
    const [dead] = await waitFor(async () => {
      const d = await h.dead();
      return d.length > 0 && d;
    }, 'the dead event');
    expect(dead!.dead_error).toBe(
      `the App needs Contents: read on ${OWNER}/${repo} (GitHub answered 403 Resource not accessible by integration); ` +
        'see https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/choosing-permissions-for-a-github-app',
    );
    expect(dead).toMatchObject({ dead_group: 'expander', event: 'push' });
    const [notice] = (await h.redis.xrange(h.keys.checks, '-', '+')).map(([, f]) =>
      noticeFromFields(Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]!]])))),
    );
    expect(notice).toMatchObject({
      owner: OWNER,
      repo,
      name: 'Solstice CI / App permissions',
      status: 'completed',
      conclusion: 'failure',
      output: { title: `The App needs Contents: read on ${OWNER}/${repo}` },
    });
    expect(await h.jobs()).toEqual([]);
  });

  it('expands a form-encoded delivery whatever the case of its media type, as the receiver takes it', async () => {
    // The receiver stores the Content-Type header as sent; it used to accept
    // `Application/X-WWW-Form-Urlencoded` while the expander dead-lettered it as not JSON.
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    await h.start();
    const payload = JSON.stringify(pushPayload(repo, sha));
    const event = {
      ...eventFields('push', new URLSearchParams({ payload }).toString()),
      content_type: 'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
    };
    await h.addEvent(event);
    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 3 && j;
    }, 'the 3 jobs of the form-encoded push');
    expect(jobs.map((e) => [e.delivery, e.job.commit_sha, e.job.workflow_job_id])).toEqual(
      ['build', 'test', 'lint'].map((id) => [event.delivery, sha, id]),
    );
    expect(await h.dead()).toEqual([]);
  });

  it('dead-letters a poison event with the reason while the rest flows', async () => {
    h = harness(github);
    const repo = newRepo();
    await h.start();
    const before = eventFields('push', pushPayload(repo, newSha()));
    const poison = eventFields('push', '{"ref": "refs/heads/main", "after": ');
    const after = eventFields('push', pushPayload(repo, newSha()));
    for (const e of [before, poison, after]) await h.addEvent(e);

    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 2 && j;
    }, 'the jobs of both good events');
    expect(jobs.map((e) => e.delivery)).toEqual([before.delivery, after.delivery]);
    const dead = await h.dead();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      delivery: poison.delivery,
      body: poison.body,
      dead_group: 'expander',
    });
    expect(dead[0]!.dead_error).toMatch(/^invalid push payload: not JSON \(/);
    const pending = (await h.redis.xpending(h.keys.events, 'expander')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('gives the same ids when an entry a crashed copy held is claimed and expanded again', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    const event = eventFields('push', pushPayload(repo, sha));
    await h.redis.xgroup('CREATE', h.keys.events, 'expander', '0', 'MKSTREAM');
    await h.addEvent(event);
    // Another copy reads the entry, expands it, and dies before its ack + XADD.
    await h.redis.xreadgroup(
      'GROUP',
      'expander',
      'crashed-copy',
      'COUNT',
      1,
      'STREAMS',
      h.keys.events,
      '>',
    );
    const fromFiles: WorkflowSource = {
      read: async (at) => ({
        state: 'file',
        text: github.files.get(at.owner, at.repo, at.sha, WORKFLOW_PATH)!.toString(),
      }),
    };
    const crashed = await expandEvent(event, {
      source: fromFiles,
      settings: {
        checkName: 'Solstice CI',
        checkSuiteRequested: false,
        runsOn: { default: undefined, map: new Map() },
        limits: { maxBytes: 65_536, maxJobs: 256 },
        forkPullRequests: 'approve',
      },
      jobsStream: h.keys.jobs,
      checksStream: h.keys.checks,
      log: h.logs.log,
    });

    await h.start();
    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 3 && j;
    }, 'the claimed entry expanded');
    expect(jobs.map((e) => e.job.request_id)).toEqual(crashed.map((o) => o.fields.request_id));
    expect(jobs.map((e) => e.job.group_id)).toEqual(crashed.map(() => groupIdFor(event.delivery)));
    await waitFor(
      () => h!.logs.lines().some((l) => String(l.msg).startsWith('took over the pending entries')),
      'the take-over logged',
    );
    // Claimed, expanded and acked once: once nothing is pending, no fourth entry can appear.
    const pending = await waitFor(async () => {
      const summary = (await h.redis.xpending(h.keys.events, 'expander')) as [number, ...unknown[]];
      return summary[0] === 0 && summary;
    }, 'the claimed entry acked');
    expect(await h.jobs()).toHaveLength(3);
    expect(pending[0]).toBe(0);
  });

  it('re-runs one job of a re-requested check run, reading the workflow from the cache', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    await h.start();
    const pr = eventFields('pull_request', pullRequestPayload(repo, sha));
    await h.addEvent(pr);
    await waitFor(async () => (await h.jobs()).length === 3, 'the PR jobs');
    const rerun = eventFields('check_run', checkRunPayload(repo, sha, 'Solstice CI / test'));
    await h.addEvent(rerun);
    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 4 && j;
    }, 'the re-run job');
    expect(jobs[3]).toMatchObject({
      delivery: rerun.delivery,
      check_name: 'Solstice CI / test',
      job: {
        request_id: requestIdFor(rerun.delivery, 'test'),
        group_id: groupIdFor(rerun.delivery),
        workflow_job_id: 'test',
        commit_sha: sha,
      },
    });
    expect(jobs[3]!.job.request_id).not.toBe(jobs[1]!.job.request_id);
    expect(callsFor(repo, CONTENTS)).toHaveLength(1);
  });

  it('re-runs the job a run was made for, found by its external_id, after GITHUB_CHECK_NAME changed', async () => {
    h = harness(github);
    const repo = newRepo();
    const sha = newSha();
    github.putWorkflow(repo, sha, THREE_JOBS);
    // The run was made under another check name, or from a result: its name says nothing.
    await h.start({ GITHUB_CHECK_NAME: 'Nightly' });
    const first = jobEnvelope({
      owner: OWNER,
      repo,
      sha,
      jobId: 'lint',
      installationId: INSTALLATION,
    });
    await h.redis.hset(
      h.keys.checkRecord(first.job.request_id),
      checkIdentityFields(checkIdentityOf({ ...first, check_name: 'Solstice CI / lint' })),
    );
    const payload = checkRunPayload(repo, newSha(), 'Solstice CI / lint');
    payload.check_run.external_id = first.job.request_id;
    const rerun = eventFields('check_run', payload);
    await h.addEvent(rerun);
    const [job] = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 1 && j;
    }, 'the re-run job');
    expect(job).toMatchObject({
      check_name: 'Nightly / lint',
      job: {
        request_id: requestIdFor(rerun.delivery, 'lint'),
        workflow_job_id: 'lint',
        // The record's commit, not whatever the payload carried.
        commit_sha: sha,
      },
    });
    const line = h.logs.lines().find((l) => l.msg === 'event expanded');
    expect(line).toMatchObject({ rerun: 'lint', rerun_found_by: 'external_id' });
  });

  it('builds without App credentials: one job per event, no GitHub call, a warning at start', async () => {
    h = harness(github);
    const repo = newRepo();
    await h.start({ GITHUB_APP_ID: '', GITHUB_APP_KEY: '' });
    await h.addEvent(eventFields('push', pushPayload(repo, newSha())));
    await h.addEvent(eventFields('pull_request', pullRequestPayload(repo, newSha())));
    const jobs = await waitFor(async () => {
      const j = await h.jobs();
      return j.length === 2 && j;
    }, '2 jobs');
    expect(jobs.map((e) => [e.job.workflow_path, e.check_name])).toEqual([
      [null, 'Solstice CI'],
      [null, 'Solstice CI'],
    ]);
    expect(github.standIn.calls.filter((c) => c.path.includes(repo))).toEqual([]);
    expect(
      h.logs.lines().find((l) => l.level === 40 && String(l.msg).includes('no GitHub App')),
    ).toBeDefined();
  });
});
