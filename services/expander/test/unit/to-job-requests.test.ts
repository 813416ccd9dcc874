import { describe, expect, it } from 'vitest';
import { groupIdFor, requestIdFor, validateJobRequest } from '@solstice/shared';
import { eventTarget, type BuildTarget } from '../../src/event-target.js';
import {
  toJobRequests,
  type ExpandSettings,
  type WorkflowOutcome,
} from '../../src/to-job-requests.js';
import {
  appWithAction as withAction,
  example,
  forkPullRequest,
} from '../../../../test/support/payloads.js';

const settings: ExpandSettings = {
  checkName: 'Solstice CI',
  runsOn: { default: 'default-label', map: new Map() },
};
const now = new Date('2024-05-01T12:00:00.000Z');
const delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

const threeJobs: WorkflowOutcome = {
  kind: 'jobs',
  jobs: [
    { id: 'build', runsOn: 'illumos-latest', script: '.solstice/build.sh' },
    { id: 'test', runsOn: null, script: '.solstice/test.sh' },
    { id: 'lint', runsOn: 'ubuntu-22.04', script: null },
  ],
};

const targetFor = (event: string, payload: unknown): BuildTarget => {
  const found = eventTarget(event, payload, {
    checkName: 'Solstice CI',
    checkSuiteRequested: false,
  });
  if ('skip' in found) throw new Error(found.skip);
  return found.target;
};
const pushTarget = () =>
  targetFor(
    'push',
    example('push', (p) => p.deleted === false && p.installation !== undefined),
  );

const expand = (target: BuildTarget, workflow: WorkflowOutcome, d = delivery) =>
  toJobRequests({ delivery: d, target, workflow, settings, now });

describe('a fork pull request', () => {
  it("builds the fork's commit but puts its Check Run on the base repository", () => {
    const [envelope] = expand(targetFor('pull_request', forkPullRequest()), threeJobs);
    expect(envelope!.job.repo_owner).toBe('fork-owner');
    expect(envelope!.check_repository).toEqual({ owner: 'Codertocat', name: 'Hello-World' });
  });
});

describe('a workflow with jobs', () => {
  it('gives one envelope per job, with every JobRequest field', () => {
    const envelopes = expand(pushTarget(), threeJobs);
    expect(envelopes).toHaveLength(3);
    expect(envelopes[0]).toEqual({
      job: {
        schema_version: 'jobrequest.v1',
        request_id: requestIdFor(delivery, 'build'),
        group_id: groupIdFor(delivery),
        source: 'github',
        repo_url: 'https://github.com/Codertocat/Hello-World.git',
        repo_owner: 'Codertocat',
        repo_name: 'Hello-World',
        commit_sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        workflow_path: '.solstice/workflow.kdl',
        workflow_job_id: 'build',
        runs_on: 'illumos-latest',
        script_path: '.solstice/build.sh',
        submitted_at: '2024-05-01T12:00:00.000Z',
      },
      delivery,
      installation_id: 1,
      check_repository: { owner: 'Codertocat', name: 'Hello-World' },
      check_name: 'Solstice CI / build',
      workflow_error: '',
    });
    expect(envelopes.map((e) => [e.job.workflow_job_id, e.job.runs_on, e.job.script_path])).toEqual(
      [
        ['build', 'illumos-latest', '.solstice/build.sh'],
        ['test', 'default-label', '.solstice/test.sh'],
        ['lint', 'ubuntu-22.04', null],
      ],
    );
    for (const e of envelopes) expect(validateJobRequest(e.job)).toBe(e.job);
  });

  it('shares one group_id and gives every job its own request_id', () => {
    const envelopes = expand(pushTarget(), threeJobs);
    expect(new Set(envelopes.map((e) => e.job.group_id)).size).toBe(1);
    expect(new Set(envelopes.map((e) => e.job.request_id)).size).toBe(3);
  });

  it('gives the same ids when the same delivery is expanded again, new ones for a new delivery', () => {
    const ids = (d: string) => expand(pushTarget(), threeJobs, d).map((e) => e.job.request_id);
    expect(ids(delivery)).toEqual(ids(delivery));
    const rerun = ids('8a1f5b6e-0000-11ef-9000-000000000001');
    expect(rerun.some((id) => ids(delivery).includes(id))).toBe(false);
  });

  it("uses a pull request's runs-on label for jobs without their own", () => {
    const target = targetFor('pull_request', withAction('pull_request', 'opened'));
    target.labels = ['runs-on:omnios'];
    expect(expand(target, threeJobs).map((e) => e.job.runs_on)).toEqual([
      'illumos-latest',
      'omnios',
      'ubuntu-22.04',
    ]);
  });

  it("builds a fork PR's commit from the fork", () => {
    const [first] = expand(targetFor('pull_request', forkPullRequest()), threeJobs);
    expect(first!.job).toMatchObject({
      repo_url: 'https://github.com/fork-owner/Hello-World.git',
      repo_owner: 'fork-owner',
      repo_name: 'Hello-World',
      commit_sha: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    });
  });
});

describe('no usable workflow', () => {
  it('gives a single job with null workflow fields when there is no file', () => {
    const [only, ...rest] = expand(pushTarget(), { kind: 'none' });
    expect(rest).toEqual([]);
    expect(only!.job).toMatchObject({
      request_id: requestIdFor(delivery, ''),
      group_id: groupIdFor(delivery),
      workflow_path: null,
      workflow_job_id: null,
      script_path: null,
      runs_on: 'default-label',
    });
    expect(only!.check_name).toBe('Solstice CI');
    expect(only!.workflow_error).toBe('');
  });

  it('carries the reason a file cannot be used as workflow_error', () => {
    const [only] = expand(pushTarget(), { kind: 'unusable', reason: 'no jobs' });
    expect(only!.job.workflow_path).toBeNull();
    expect(only!.workflow_error).toBe('.solstice/workflow.kdl: no jobs');
  });
});

describe('a re-requested check run', () => {
  const rerun = (name: string) => {
    const p = withAction('check_run', 'rerequested');
    p.check_run.name = name;
    return targetFor('check_run', p);
  };

  it('gives only the job it names, with ids of the new delivery', () => {
    const envelopes = expand(rerun('Solstice CI / test'), threeJobs);
    expect(envelopes.map((e) => e.check_name)).toEqual(['Solstice CI / test']);
    expect(envelopes[0]!.job.request_id).toBe(requestIdFor(delivery, 'test'));
    expect(envelopes[0]!.job.commit_sha).toBe('d6fde92930d4715a2b49857d24b940956b26d2d3');
  });

  it('gives nothing when the job is not in the workflow', () => {
    expect(expand(rerun('Solstice CI / gone'), threeJobs)).toEqual([]);
    expect(expand(rerun('Solstice CI / test'), { kind: 'none' })).toEqual([]);
  });

  it('gives the single job again for a run without workflow', () => {
    const envelopes = expand(rerun('Solstice CI'), { kind: 'none' });
    expect(envelopes.map((e) => [e.check_name, e.job.workflow_job_id])).toEqual([
      ['Solstice CI', null],
    ]);
  });
});
