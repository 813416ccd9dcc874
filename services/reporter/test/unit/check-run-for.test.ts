import { describe, expect, it } from 'vitest';
import { checkIdentityOf, checkRunName, type JobEnvelope, type JobResult } from '@solstice/shared';
import {
  SUMMARY_LIMIT,
  completedCheckRun,
  completedNewCheckRun,
  cutSummary,
  queuedCheckRun,
  resultTitle,
} from '../../src/check-run-for.js';

const requestId = '0b7e6c3e-5a43-5f0e-9d2b-3f1c2a4b5c6d';
const sha = 'a'.repeat(40);

const envelope = (over: Partial<JobEnvelope> = {}, job: Partial<JobEnvelope['job']> = {}) =>
  checkIdentityOf({
    job: {
      schema_version: 'jobrequest.v1',
      request_id: requestId,
      group_id: null,
      source: 'github',
      repo_url: 'https://github.com/octo-org/hello.git',
      repo_owner: 'octo-org',
      repo_name: 'hello',
      commit_sha: sha,
      workflow_path: '.solstice/workflow.kdl',
      workflow_job_id: 'build',
      runs_on: 'illumos-latest',
      script_path: '.solstice/build.sh',
      submitted_at: '2025-01-01T00:00:00Z',
      ...job,
    },
    delivery: 'd-1',
    installation_id: 7,
    check_repository: { owner: 'octo-org', name: 'hello' },
    check_name: 'Solstice CI / build',
    workflow_error: '',
    ...over,
  });

const result = (over: Partial<JobResult> = {}): JobResult => ({
  schema_version: 'jobresult.v1',
  request_id: requestId,
  repo_url: 'https://github.com/octo-org/hello.git',
  repo_owner: 'octo-org',
  repo_name: 'hello',
  commit_sha: sha,
  success: true,
  exit_code: 0,
  summary: 'all 12 tests passed',
  completed_at: '2025-01-01T00:05:00+02:00',
  ...over,
});

describe('the queued Check Run of a JobRequest', () => {
  it('is named by the record, keyed by request_id on the commit, and queued', () => {
    const run = queuedCheckRun(envelope(), 'Solstice CI');
    expect(run).toMatchObject({
      name: 'Solstice CI / build',
      head_sha: sha,
      external_id: requestId,
      status: 'queued',
      output: { title: 'Queued' },
    });
    expect(run.output.summary).toContain('`illumos-latest`');
    expect(run.output.summary).toContain(requestId);
  });

  it('is named after the check name and job id when the record has no name', () => {
    expect(queuedCheckRun(envelope({ check_name: '' }), 'CI').name).toBe('CI / build');
    const noWorkflow = envelope({ check_name: '' }, { workflow_job_id: null, workflow_path: null });
    expect(queuedCheckRun(noWorkflow, 'CI').name).toBe('CI');
    expect(checkRunName('CI', null)).toBe('CI');
  });

  it('shows the workflow problem when there is one', () => {
    const run = queuedCheckRun(envelope({ workflow_error: 'line 3: unexpected }' }), 'CI');
    expect(run.output.title).toBe('Queued (workflow problem)');
    expect(run.output.summary).toContain('**Workflow problem:** line 3: unexpected }');
  });

  it('says the default runner is used when runs_on is null', () => {
    const run = queuedCheckRun(envelope({}, { runs_on: null }), 'CI');
    expect(run.output.summary).toContain('default runner');
  });
});

describe('completing a Check Run with a JobResult', () => {
  it('succeeds with the summary, the logs link and a UTC completed_at', () => {
    const update = completedCheckRun(result(), { logsBaseUrl: 'http://orch:8090' });
    expect(update).toEqual({
      status: 'completed',
      conclusion: 'success',
      completed_at: '2024-12-31T22:05:00.000Z',
      details_url: `http://orch:8090/jobs/${requestId}/logs`,
      output: { title: 'Succeeded', summary: 'all 12 tests passed' },
    });
  });

  it('fails with the exit code in the title', () => {
    const update = completedCheckRun(result({ success: false, exit_code: 3, summary: '' }), {
      logsBaseUrl: undefined,
    });
    expect(update.conclusion).toBe('failure');
    expect(update.output.title).toBe('Failed (exit 3)');
    expect(update.output.summary).toBe('The job failed with exit code 3.');
    expect(update).not.toHaveProperty('details_url');
    expect(resultTitle(result({ success: false, exit_code: 127 }))).toBe('Failed (exit 127)');
  });

  it("cuts a long summary to GitHub's limit and keeps the link to the uploaded log", () => {
    const long = 'x'.repeat(100_000);
    const update = completedCheckRun(result({ summary: long }), {
      logsBaseUrl: undefined,
      logUrl: 'http://s3/logs/1.log',
    });
    expect(update.output.summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(update.output.summary).toMatch(/cut: \d+ more characters not shown/);
    expect(update.output.summary.endsWith('[Full log](http://s3/logs/1.log)')).toBe(true);
  });

  it('makes a run created completed (its result came first) with the real name', () => {
    const change = completedCheckRun(result(), { logsBaseUrl: undefined });
    const run = completedNewCheckRun(envelope(), 'Solstice CI', change);
    expect(run).toEqual({
      name: 'Solstice CI / build',
      head_sha: sha,
      external_id: requestId,
      ...change,
    });
    expect(run.status).toBe('completed');
  });
});

describe('cutSummary', () => {
  it('leaves text within the limit alone', () => {
    expect(cutSummary('short', 10)).toBe('short');
    expect(cutSummary('x'.repeat(SUMMARY_LIMIT))).toHaveLength(SUMMARY_LIMIT);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(40_000);
    const cut = cutSummary(text);
    expect(cut.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
