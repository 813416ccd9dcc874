import { describe, expect, it } from 'vitest';
import { completedCheckRun } from '../../src/check-run-for.js';
import { planWrite } from '../../src/plan-write.js';
import { envelope, recordOf, resultOf } from './fixtures.js';

const e = envelope({ jobId: 'test' });
const completion = completedCheckRun(resultOf(e), { logsBaseUrl: undefined });
const wantsQueued = recordOf(e, { want: 'queued', want_v: 1 });
const wantsCompleted = recordOf(e, {
  want: 'completed',
  want_v: 2,
  completion: JSON.stringify(completion),
  conclusion: 'success',
});

describe('what a job needs next from its installation writer', () => {
  it('creates a queued run for a confirmed JobRequest', () => {
    expect(planWrite(wantsQueued, '7', 'Solstice CI')).toMatchObject({
      kind: 'create',
      version: 1,
      run: { name: 'Solstice CI / test', status: 'queued', external_id: e.job.request_id },
    });
  });

  it('creates the run completed, with its real name, when the result came first: one call', () => {
    expect(planWrite(wantsCompleted, '7', 'Solstice CI')).toEqual({
      kind: 'create',
      version: 2,
      run: {
        name: 'Solstice CI / test',
        head_sha: e.job.commit_sha,
        external_id: e.job.request_id,
        ...completion,
      },
    });
  });

  it('updates a run that exists', () => {
    expect(planWrite({ ...wantsCompleted, run_id: 99, shown_v: 1 }, '7', 'CI')).toEqual({
      kind: 'update',
      runId: 99,
      change: completion,
      version: 2,
    });
  });

  it('writes nothing once GitHub shows what is wanted, or while nothing is wanted', () => {
    expect(planWrite({ ...wantsCompleted, run_id: 99, shown_v: 2 }, '7', 'CI').kind).toBe('none');
    expect(planWrite(recordOf(e), '7', 'CI').kind).toBe('none');
  });

  it('looks the run up first when a create may have reached GitHub without an answer', () => {
    expect(planWrite({ ...wantsCompleted, inflight: 1 }, '7', 'CI')).toEqual({ kind: 'lookup' });
  });

  it('resolves an unknown installation, and moves a job out of the wrong queue', () => {
    expect(planWrite({ ...wantsQueued, installation_id: null }, '0', 'CI')).toEqual({
      kind: 'resolve',
    });
    expect(planWrite(wantsQueued, '0', 'CI')).toEqual({ kind: 'move', to: '7' });
  });
});

describe('what a notice run (not a job) needs next', () => {
  const body = {
    status: 'queued' as const,
    output: { title: 'Waiting for approval', summary: 's' },
    actions: [{ label: 'Approve and run', identifier: 'solstice-approve', description: 'd' }],
  };
  const notice = recordOf(e, {
    job_id: null,
    job: undefined,
    name: 'Solstice CI / fork approval',
    want: 'queued',
    want_v: 1,
    notice: JSON.stringify(body),
  });

  it('is created with its body, buttons included', () => {
    expect(planWrite(notice, '7', 'Solstice CI')).toEqual({
      kind: 'create',
      version: 1,
      run: {
        name: 'Solstice CI / fork approval',
        head_sha: e.job.commit_sha,
        external_id: e.job.request_id,
        ...body,
      },
    });
  });

  it('is updated when it exists, even while still queued (a note on a refused click)', () => {
    const noted = { ...body, output: { title: 'Waiting for approval', summary: 'note' } };
    const plan = planWrite(
      { ...notice, run_id: 5, shown_v: 1, want_v: 2, notice: JSON.stringify(noted) },
      '7',
      'CI',
    );
    expect(plan).toEqual({ kind: 'update', runId: 5, change: noted, version: 2 });
  });
});
