import { describe, expect, it } from 'vitest';
import type { JobResult } from '@solstice/shared';
import { queuedStep, resultStep, type CheckRecord } from '../../src/check-record.js';

const record = (over: Partial<CheckRecord>): CheckRecord => ({
  request_id: 'r',
  state: 'queued',
  owner: 'o',
  repo: 'r',
  head_sha: 'a'.repeat(40),
  name: 'CI / build',
  check_run_id: 1,
  ...over,
});

const result = (success: boolean, completed_at: string) =>
  ({ success, exit_code: success ? 0 : 1, completed_at }) as JobResult;

describe('what a result does with a recorded run', () => {
  it('updates a queued run', () => {
    expect(resultStep(record({}), result(true, '2025-01-01T00:00:00Z'))).toBe('update');
  });

  it('skips the same result again', () => {
    const done = record({
      state: 'completed',
      conclusion: 'success',
      result_completed_at: '2025-01-01T00:00:00Z',
    });
    expect(resultStep(done, result(true, '2025-01-01T00:00:00Z'))).toBe('duplicate');
  });

  it('lets a later, different result win and skips an older one', () => {
    const done = record({
      state: 'completed',
      conclusion: 'failure',
      result_completed_at: '2025-01-01T00:00:00Z',
    });
    expect(resultStep(done, result(true, '2025-01-01T00:01:00Z'))).toBe('update');
    expect(resultStep(done, result(true, '2024-12-31T23:59:00Z'))).toBe('stale');
  });
});

describe('what a queued entry does when the request_id is held', () => {
  it('never sets a completed run back to queued', () => {
    expect(queuedStep(record({ state: 'completed' }))).toBe('completed');
  });

  it('recognises a duplicate entry', () => {
    expect(queuedStep(record({ state: 'queued' }))).toBe('duplicate');
  });

  it('waits while another copy is creating the run', () => {
    expect(queuedStep(record({ state: 'creating', check_run_id: undefined }))).toBe('wait');
  });
});
