import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '@solstice/github-standin/harness';
import { groupIdFor, requestIdFor } from '@solstice/shared';
import { example, pushPayload } from '../support/payloads.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const WORKFLOW = `
workflow name="CI" {
    job "build" runs_on="illumos-latest" script=".solstice/build.sh"
    job "test" {
        runs_on "ubuntu-22.04"
        script ".solstice/test.sh"
    }
    job "lint-fail" script=".solstice/lint.sh"
}
`;

describe('the whole pipeline, four stages as processes', () => {
  let p: Pipeline;
  const pushSha = 'a'.repeat(40);

  beforeAll(async () => {
    p = new Pipeline({
      redisUrl: redisUrl(),
      amqpUrl: amqpUrl(),
      label: 'e2e',
      // trace: the no-secret-in-any-log-line check below covers every level.
      env: { RUNS_ON_DEFAULT: 'default-runner', LOG_LEVEL: 'trace' },
    });
    p.install('Codertocat');
    p.contents.put('Codertocat', 'Hello-World', pushSha, '.solstice/workflow.kdl', WORKFLOW);
    await p.start();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  it('turns a signed push into three JobRequests and three completed Check Runs', async () => {
    const payload = pushPayload(p.installationId, pushSha);
    const delivery = await p.send('push', payload);
    expect(delivery.status_code).toBe(202);

    const runs = await waitFor(
      () => {
        const done = p.checks
          .all()
          .filter((r) => r.head_sha === pushSha && r.status === 'completed');
        return done.length === 3 ? done : undefined;
      },
      'three completed check runs',
      60_000,
    );

    const received = await waitFor(async () => {
      const all = (await p.received()).filter((j) => j.commit_sha === pushSha);
      return all.length >= 3 ? all : undefined;
    }, 'three JobRequests at the orchestrator');
    const byJob = new Map(received.map((j) => [j.workflow_job_id, j]));
    expect([...byJob.keys()].sort()).toEqual(['build', 'lint-fail', 'test']);
    for (const [jobId, job] of byJob) {
      expect(job).toMatchObject({
        schema_version: 'jobrequest.v1',
        request_id: requestIdFor(delivery.guid, jobId!),
        group_id: groupIdFor(delivery.guid),
        source: 'github',
        repo_url: payload.repository.clone_url,
        repo_owner: 'Codertocat',
        repo_name: 'Hello-World',
        commit_sha: pushSha,
        workflow_path: '.solstice/workflow.kdl',
        workflow_job_id: jobId,
      });
      expect(Date.parse(job.submitted_at as string)).not.toBeNaN();
    }
    expect(byJob.get('build')).toMatchObject({
      runs_on: 'illumos-latest',
      script_path: '.solstice/build.sh',
    });
    expect(byJob.get('test')).toMatchObject({
      runs_on: 'ubuntu-22.04',
      script_path: '.solstice/test.sh',
    });
    expect(byJob.get('lint-fail')).toMatchObject({
      runs_on: 'default-runner',
      script_path: '.solstice/lint.sh',
    });

    for (const run of runs) {
      const jobId = run.name.replace('Solstice CI / ', '');
      const requestId = requestIdFor(delivery.guid, jobId);
      expect(run.external_id).toBe(requestId);
      expect(run.conclusion).toBe(jobId === 'lint-fail' ? 'failure' : 'success');
      expect(run.details_url).toBe(`${p.logsBaseUrl}/jobs/${requestId}/logs`);
      // Queued first, unless the result came before the run's turn to be written (then one
      // create, already completed); never back from completed.
      const statuses = run.history.map((h) => h.status);
      expect(statuses.join(' ')).toMatch(/^(queued )?completed$/);
      expect(p.checks.withExternalId(requestId)).toHaveLength(1);
    }
    expect(runs.map((r) => r.name).sort()).toEqual([
      'Solstice CI / build',
      'Solstice CI / lint-fail',
      'Solstice CI / test',
    ]);
  });

  it('builds a pull request head commit with one job when the repository has no workflow', async () => {
    const payload = example('pull_request', (e) => e.action === 'opened');
    payload.installation = { id: p.installationId };
    const sha = payload.pull_request.head.sha as string;
    const delivery = await p.send('pull_request', payload);
    expect(delivery.status_code).toBe(202);
    const run = await waitFor(
      () => p.checks.all().find((r) => r.head_sha === sha && r.status === 'completed'),
      'the PR check run completed',
      60_000,
    );
    expect(run.name).toBe('Solstice CI');
    expect(run.conclusion).toBe('success');
    const jobs = (await p.received()).filter((j) => j.commit_sha === sha);
    expect(jobs[0]).toMatchObject({
      repo_url: payload.pull_request.head.repo.clone_url,
      workflow_path: null,
      workflow_job_id: null,
      group_id: groupIdFor(delivery.guid),
      request_id: run.external_id,
    });
  });

  it('answers a duplicate delivery 200 and builds it once', async () => {
    const sha = 'b'.repeat(40);
    const first = await p.send('push', pushPayload(p.installationId, sha));
    await p.sender.settled();
    const again = p.sender.startRedelivery(first.id);
    expect(again).toBe(true);
    await p.sender.settled();
    const redelivery = p.sender.deliveries().find((d) => d.guid === first.guid && d.redelivery);
    expect(redelivery?.status_code).toBe(200);
    await waitFor(
      () => p.checks.all().some((r) => r.head_sha === sha && r.status === 'completed'),
      'the run completed',
      60_000,
    );
    expect(p.checks.all().filter((r) => r.head_sha === sha)).toHaveLength(1);
  });

  it('leaves nothing pending, nothing dead, and no secret in any log line', async () => {
    await waitFor(async () => (await p.pending()) === 0, 'nothing pending', 30_000);
    expect(Object.values(await p.deadCounts())).toEqual([0, 0, 0]);
    const tokens = p.standIn.tokens.keys();
    const secrets = [p.secret, ...tokens];
    for (const [label, proc] of p.processes) {
      const text = proc.lines.join('\n');
      for (const s of secrets) expect(text, `${label} logged a secret`).not.toContain(s);
      expect(text, `${label} logged a private key`).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
      expect(text, `${label} logged an App JWT`).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
      expect(text, `${label} logged an authorization header`).not.toMatch(/(bearer|token) ghs_/i);
    }
  });
});
