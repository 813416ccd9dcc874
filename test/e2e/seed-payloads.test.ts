import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '@octokit/webhooks-methods';
import { Pipeline } from '@solstice/github-standin/harness';
import { envelopeFromFields, fieldsToObject, requestIdFor } from '@solstice/shared';
import { SEED_CURL_BODY, SEED_PULL_REQUEST, SEED_PUSH, withSha } from '../support/seed-payloads.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

// KDL 2's unquoted value on line 2, KDL 1's bare true on line 3.
const MIXED = 'workflow {\n  job "build" runs_on=illumos\n  job "test" cache=true\n}\n';

const WORKFLOW = `
workflow {
    job "build" runs_on="illumos-latest" script=".solstice/build.sh"
    job "test" {
        runs_on value="ubuntu-22.04"
        script ".solstice/test.sh"
    }
}
`;

// The design note's minimal payloads, sent the way its curl smoke test sends them, through the
// four stages (processes; no orchestrator, so Check Runs stay queued), with the App installed
// on `org`: `{P}:jobs` entries and queued Check Runs, or a dead entry naming what is wrong.
describe("the original integration's minimal payloads, through the pipeline", () => {
  let p: Pipeline;
  const pushSha = JSON.parse(SEED_PUSH).after as string;
  const prSha = 'feed'.repeat(10);
  const mixedSha = 'abcd'.repeat(10);

  beforeAll(async () => {
    p = new Pipeline({ redisUrl: redisUrl(), amqpUrl: amqpUrl(), label: 'seed' });
    p.install('org');
    for (const sha of [pushSha, prSha])
      p.contents.put('org', 'repo', sha, '.solstice/workflow.kdl', WORKFLOW);
    p.contents.put('org', 'repo', mixedSha, '.solstice/workflow.kdl', MIXED);
    await p.start(undefined, false);
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  /** The note's curl: Content-Type, X-GitHub-Event and the signature (and a delivery id). */
  async function curl(event: string, body: string) {
    const delivery = randomUUID();
    const res = await fetch(p.receiverUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': event,
        'X-GitHub-Delivery': delivery,
        'X-Hub-Signature-256': await sign(p.secret, body),
      },
      body,
    });
    await res.body?.cancel();
    return { status: res.status, delivery };
  }

  const jobsOf = (delivery: string, count: number) =>
    waitFor(async () => {
      const all = (await p.redis.xrange(p.keys.jobs, '-', '+'))
        .map(([, flat]) => envelopeFromFields(fieldsToObject(flat)))
        .filter((e) => e.delivery === delivery);
      return all.length === count && all;
    }, `${count} jobs of ${delivery}`);

  const deadOf = (delivery: string) =>
    waitFor(async () => {
      const dead = (await p.redis.xrange(p.keys.dead(p.keys.events), '-', '+'))
        .map(([, flat]) => fieldsToObject(flat))
        .find((f) => f.delivery === delivery);
      return dead;
    }, `the dead entry of ${delivery}`);

  it('builds the workflow of a push with only `after` and the clone and ssh URLs', async () => {
    const sent = await curl('push', SEED_PUSH);
    expect(sent.status).toBe(202);
    const jobs = await jobsOf(sent.delivery, 2);
    expect(jobs.map((e) => e.job)).toEqual([
      expect.objectContaining({
        request_id: requestIdFor(sent.delivery, 'build'),
        repo_url: 'https://github.com/org/repo.git',
        repo_owner: 'org',
        repo_name: 'repo',
        commit_sha: pushSha,
        workflow_job_id: 'build',
        runs_on: 'illumos-latest',
      }),
      expect.objectContaining({ workflow_job_id: 'test', runs_on: 'ubuntu-22.04' }),
    ]);
    expect(jobs.map((e) => [e.installation_id, e.check_repository, e.workflow_error])).toEqual([
      [p.installationId, { owner: 'org', name: 'repo' }, ''],
      [p.installationId, { owner: 'org', name: 'repo' }, ''],
    ]);
    const runs = await waitFor(() => {
      const queued = p.checks.all().filter((r) => r.head_sha === pushSha);
      return queued.length === 2 && queued;
    }, 'two queued check runs');
    expect(runs.map((r) => [r.owner, r.repo, r.name, r.status]).sort()).toEqual([
      ['org', 'repo', 'Solstice CI / build', 'queued'],
      ['org', 'repo', 'Solstice CI / test', 'queued'],
    ]);
  });

  it('builds a push with only `after`, repository.full_name and clone_url', async () => {
    const body = JSON.stringify({
      after: pushSha,
      repository: { full_name: 'org/repo', clone_url: 'https://github.com/org/repo.git' },
    });
    const sent = await curl('push', body);
    expect(sent.status).toBe(202);
    const jobs = await jobsOf(sent.delivery, 2);
    expect(jobs.map((e) => [e.job.repo_owner, e.job.repo_name, e.job.workflow_job_id])).toEqual([
      ['org', 'repo', 'build'],
      ['org', 'repo', 'test'],
    ]);
  });

  it("builds a pull request with only the head's sha and repository URLs", async () => {
    const sent = await curl('pull_request', withSha(SEED_PULL_REQUEST, prSha));
    expect(sent.status).toBe(202);
    const jobs = await jobsOf(sent.delivery, 2);
    expect(jobs[0]!.job).toMatchObject({
      repo_url: 'https://github.com/org/repo.git',
      repo_owner: 'org',
      repo_name: 'repo',
      commit_sha: prSha,
      workflow_job_id: 'build',
    });
  });

  it('names the lines and forms of a workflow mixing KDL 1 and KDL 2 in the Check Run', async () => {
    const sent = await curl('push', withSha(SEED_PUSH, mixedSha));
    expect(sent.status).toBe(202);
    const [job] = await jobsOf(sent.delivery, 1);
    const reason =
      '.solstice/workflow.kdl: mixes KDL 1 and KDL 2: ' +
      'line 2 has KDL 2\'s unquoted value "illumos" (KDL 1 quotes it), ' +
      "line 3 has KDL 1's bare true (KDL 2 writes #true); " +
      'write the whole file in one version (KDL 2: https://kdl.dev)';
    expect(job!.workflow_error).toBe(reason);
    const run = await waitFor(
      () => p.checks.all().find((r) => r.head_sha === mixedSha),
      'the queued check run',
    );
    expect(run.name).toBe('Solstice CI');
    expect(run.output.summary).toContain(`**Workflow problem:** ${reason}`);
  });

  it("dead-letters the note's pull request as written, naming pull_request.head.sha", async () => {
    const sent = await curl('pull_request', SEED_PULL_REQUEST);
    expect(sent.status).toBe(202);
    const dead = await deadOf(sent.delivery);
    expect(dead.dead_error).toBe(
      'invalid pull_request payload: pull_request.head.sha "89abcdef0123456789abcdef0123456789abcd" ' +
        'is not a commit id (40 or 64 hex digits)',
    );
  });

  it("dead-letters the note's curl body, naming every field it lacks", async () => {
    const sent = await curl('push', SEED_CURL_BODY);
    expect(sent.status).toBe(202);
    const dead = await deadOf(sent.delivery);
    expect(dead).toMatchObject({ body: SEED_CURL_BODY, dead_group: 'expander' });
    expect(dead.dead_error).toBe(
      'invalid push payload: after "deadbeef" is not a commit id (40 or 64 hex digits); ' +
        'repository gives no owner and name: missing repository.owner.login, repository.name, ' +
        'repository.full_name, repository.clone_url, repository.ssh_url',
    );
  });
});
