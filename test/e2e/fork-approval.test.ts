import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '@solstice/github-standin/harness';
import type { StandInCheckRun, StandInDelivery } from '@solstice/github-standin';
import { requestIdFor } from '@solstice/shared';
import { example, forkPullRequest, pushPayload, type Payload } from '../support/payloads.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const WORKFLOW = `
workflow {
    job "build" script=".solstice/build.sh"
    job "test" script=".solstice/test.sh"
}
`;
const APPROVAL = 'Solstice CI / fork approval';

/** GitHub's own check_run requested_action example, as a click on `run` by `user`. */
function click(p: Pipeline, pr: Payload, run: StandInCheckRun, user: string): Payload {
  const payload = example('check_run', (e) => e.action === 'requested_action');
  payload.repository = pr.repository;
  payload.installation = { id: p.installationId };
  Object.assign(payload.check_run, {
    id: run.id,
    name: run.name,
    head_sha: run.head_sha,
    external_id: run.external_id,
    status: run.status,
    conclusion: run.conclusion,
    // GitHub leaves a fork's pull requests out of check_run payloads.
    pull_requests: [],
  });
  // The button's identifier: the one the waiting run showed (gone once approved).
  payload.requested_action = { identifier: 'solstice-approve' };
  payload.sender = { ...payload.sender, login: user };
  return payload;
}

const fieldsOf = (flat: string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
};

/** A pull request from a fork by an author who is no owner, member or collaborator. */
function outsidePullRequest(p: Pipeline, action: string, sha: string): Payload {
  const pr = forkPullRequest(action);
  pr.installation = { id: p.installationId };
  pr.pull_request.author_association = 'CONTRIBUTOR';
  pr.pull_request.user = { ...pr.pull_request.user, login: 'outsider' };
  pr.pull_request.head.sha = sha;
  return pr;
}

describe('pull requests from forks wait for approval (FORK_PULL_REQUESTS=approve, the default)', () => {
  let p: Pipeline;
  const sha = 'f0'.repeat(20);
  let pr: Payload;
  let opened: StandInDelivery;

  const approvalRun = (commit: string) =>
    p.checks.all().find((r) => r.head_sha === commit && r.name === APPROVAL);
  const jobsFor = async (commit: string) =>
    (await p.received()).filter((j) => j.commit_sha === commit);

  beforeAll(async () => {
    p = new Pipeline({ redisUrl: redisUrl(), amqpUrl: amqpUrl(), label: 'forks' });
    p.install('Codertocat');
    // The workflow is read through the base repository, which serves the fork's commits.
    p.contents.putEverywhere('.solstice/workflow.kdl', WORKFLOW);
    p.collaborators
      .set('Codertocat', 'Hello-World', 'reader', 'read')
      .set('Codertocat', 'Hello-World', 'triager', 'triage')
      .set('Codertocat', 'Hello-World', 'maintainer', 'maintain');
    p.contents.deny('Codertocat', 'Locked');
    await p.start();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  it('shows one waiting run with an Approve and run button, and builds nothing', async () => {
    pr = outsidePullRequest(p, 'opened', sha);
    opened = await p.send('pull_request', pr);
    expect(opened.status_code).toBe(202);
    const run = await waitFor(() => approvalRun(sha), 'the waiting run', 60_000);
    expect(run).toMatchObject({
      owner: 'Codertocat',
      repo: 'Hello-World',
      status: 'queued',
      output: { title: 'Waiting for approval' },
      actions: [
        {
          label: 'Approve and run',
          identifier: 'solstice-approve',
          description: "Run this fork's jobs on the CI runners",
        },
      ],
    });
    expect(run.output.summary).toContain('fork-owner/Hello-World');
    expect(run.output.summary).toContain('@outsider (contributor)');
    // A trusted push goes through meanwhile, so the pipeline had time to build the fork's too.
    const push = 'c1'.repeat(20);
    await p.send('push', pushPayload(p.installationId, push));
    await waitFor(async () => (await jobsFor(push)).length === 2, 'the push built', 60_000);
    expect(await jobsFor(sha)).toEqual([]);
    expect(p.checks.all().filter((r) => r.head_sha === sha)).toHaveLength(1);
  });

  it('leaves the run waiting, with a note, when the clicking user has read or triage permission', async () => {
    for (const [user, role] of [
      ['reader', 'read'],
      ['triager', 'triage'],
    ] as const) {
      const before = p.standIn.callsTo('GET', /\/collaborators\/[^/]+\/permission$/).length;
      const sent = await p.send('check_run', click(p, pr, approvalRun(sha)!, user));
      expect(sent.status_code).toBe(202);
      const run = await waitFor(
        () =>
          approvalRun(sha)?.output.summary?.includes(`@${user} has ${role} permission`) &&
          approvalRun(sha),
        `the note on ${user}'s click`,
        60_000,
      );
      expect(run.status).toBe('queued');
      expect(run.actions).toHaveLength(1);
      const asked = p.standIn.callsTo('GET', /\/collaborators\/[^/]+\/permission$/);
      expect(asked.length).toBe(before + 1);
      expect(asked.at(-1)!.path).toBe(
        `/repos/Codertocat/Hello-World/collaborators/${user}/permission`,
      );
    }
    expect(await jobsFor(sha)).toEqual([]);
  });

  it('builds the jobs on a click by a maintainer, as the pull request would have, and completes the run', async () => {
    const sent = await p.send('check_run', click(p, pr, approvalRun(sha)!, 'maintainer'));
    expect(sent.status_code).toBe(202);
    const jobs = await waitFor(
      async () => ((await jobsFor(sha)).length === 2 ? jobsFor(sha) : undefined),
      'the approved jobs',
      60_000,
    );
    expect(jobs.map((j) => j.request_id).sort()).toEqual(
      ['build', 'test'].map((id) => requestIdFor(opened.guid, id)).sort(),
    );
    expect(jobs[0]).toMatchObject({
      repo_url: 'https://github.com/fork-owner/Hello-World.git',
      repo_owner: 'fork-owner',
    });
    const run = await waitFor(
      () => approvalRun(sha)?.status === 'completed' && approvalRun(sha),
      'the approval run completed',
      60_000,
    );
    expect(run).toMatchObject({
      conclusion: 'success',
      output: { title: 'Approved by @maintainer' },
      actions: [],
    });
    const statuses = run.history.map((h) => h.status).join(' ');
    expect(statuses).toMatch(/^queued( queued)* completed$/);
    await waitFor(
      () =>
        p.checks.all().filter((r) => r.head_sha === sha && r.status === 'completed').length === 3,
      'the two job runs completed',
      60_000,
    );
  });

  it('builds nothing again on a second click after the approval', async () => {
    await p.send('check_run', click(p, pr, approvalRun(sha)!, 'maintainer'));
    const push = 'c3'.repeat(20);
    await p.send('push', pushPayload(p.installationId, push));
    await waitFor(async () => (await jobsFor(push)).length === 2, 'the push built', 60_000);
    expect(await jobsFor(sha)).toHaveLength(2);
  });

  it('needs a new approval after a new push (synchronize)', async () => {
    const next = 'f1'.repeat(20);
    await p.send('pull_request', outsidePullRequest(p, 'synchronize', next));
    const run = await waitFor(() => approvalRun(next), 'the new waiting run', 60_000);
    expect(run.status).toBe('queued');
    expect(run.external_id).not.toBe(approvalRun(sha)!.external_id);
    const push = 'c2'.repeat(20);
    await p.send('push', pushPayload(p.installationId, push));
    await waitFor(async () => (await jobsFor(push)).length === 2, 'the push built', 60_000);
    expect(await jobsFor(next)).toEqual([]);
  });

  it('shows a failed run naming the missing Contents permission, and dead-letters the event with the same reason', async () => {
    const locked = 'd0'.repeat(20);
    const push = pushPayload(p.installationId, locked);
    push.repository = { ...push.repository, name: 'Locked', full_name: 'Codertocat/Locked' };
    await p.send('push', push);
    const run = await waitFor(
      () => p.checks.all().find((r) => r.head_sha === locked && r.status === 'completed'),
      'the failed run',
      60_000,
    );
    expect(run).toMatchObject({
      name: 'Solstice CI / App permissions',
      repo: 'Locked',
      conclusion: 'failure',
      output: { title: 'The App needs Contents: read on Codertocat/Locked' },
    });
    expect(run.output.summary).toContain(
      'the App needs Contents: read on Codertocat/Locked'.slice(4),
    );
    expect(run.output.summary).toContain(
      'https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/choosing-permissions-for-a-github-app',
    );
    const dead = await p.redis.xrange(p.keys.dead(p.keys.events), '-', '+');
    const entry = dead.map(([, f]) => fieldsOf(f)).find((e) => e.body?.includes(locked));
    expect(entry?.dead_error).toMatch(
      /^the App needs Contents: read on Codertocat\/Locked \(GitHub answered 403 Resource not accessible by integration\); see https:\/\/docs\.github\.com\//,
    );
    expect(await jobsFor(locked)).toEqual([]);
  });

  it('says the same on a 401 after a fresh token, and retries a secondary rate limit (403 with Retry-After)', async () => {
    p.contents.deny('Codertocat', 'Revoked', 401);
    const revoked = 'd1'.repeat(20);
    const push = pushPayload(p.installationId, revoked);
    push.repository = { ...push.repository, name: 'Revoked', full_name: 'Codertocat/Revoked' };
    await p.send('push', push);
    const run = await waitFor(
      () => p.checks.all().find((r) => r.head_sha === revoked && r.status === 'completed'),
      'the failed run',
      60_000,
    );
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('GitHub answered: 401 ');

    const limited = 'd2'.repeat(20);
    p.standIn.fail(
      { method: 'GET', path: /\/contents\// },
      {
        status: 403,
        headers: { 'retry-after': '1', 'x-ratelimit-remaining': '4000' },
        body: { message: 'You have exceeded a secondary rate limit.' },
      },
    );
    await p.send('push', pushPayload(p.installationId, limited));
    await waitFor(async () => (await jobsFor(limited)).length === 2, 'the push built', 60_000);
    const reads = p.standIn
      .callsTo('GET', new RegExp(`/contents/`))
      .filter((c) => c.query.get('ref') === limited);
    expect(reads.map((c) => c.status)).toEqual([403, 200]);
    expect(
      p.checks.all().filter((r) => r.name.endsWith('App permissions') && r.head_sha === limited),
    ).toEqual([]);
  });
});

describe('FORK_PULL_REQUESTS=never', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = new Pipeline({
      redisUrl: redisUrl(),
      amqpUrl: amqpUrl(),
      label: 'forks-never',
      env: { FORK_PULL_REQUESTS: 'never' },
    });
    p.install('Codertocat');
    p.contents.putEverywhere('.solstice/workflow.kdl', WORKFLOW);
    await p.start(['receiver', 'expander', 'publisher', 'reporter'], false);
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  it('completes one neutral run saying fork pull requests do not build here, even for an owner', async () => {
    const pr = forkPullRequest('opened');
    pr.installation = { id: p.installationId };
    const sha = pr.pull_request.head.sha as string;
    expect(pr.pull_request.author_association).toBe('OWNER');
    await p.send('pull_request', pr);
    const run = await waitFor(
      () => p.checks.all().find((r) => r.head_sha === sha),
      'the neutral run',
      60_000,
    );
    expect(run).toMatchObject({
      name: APPROVAL,
      status: 'completed',
      conclusion: 'neutral',
      output: { title: 'Fork pull requests do not build here' },
      actions: [],
    });
    expect(run.history).toEqual([{ status: 'completed', conclusion: 'neutral' }]);
    await waitFor(async () => (await p.pending()) === 0, 'nothing pending', 30_000);
    expect(await p.streamLength(p.keys.jobs)).toBe(0);
  });
});
