import { describe, expect, it } from 'vitest';
import { NO_RECORD, newsOf, refusalOf } from '../../src/trust-result.js';
import { envelope, recordOf, resultOf } from './fixtures.js';

describe('which JobResults are trusted', () => {
  it('refuses a result for a request with no record: the pipeline never published it', () => {
    expect(refusalOf(undefined, resultOf(envelope()))).toBe(NO_RECORD);
  });

  it('refuses a result naming a notice run (an approval button is no job)', () => {
    const e = envelope();
    expect(refusalOf(recordOf(e, { notice: '{}' }), resultOf(e))).toMatch(/notice run/);
  });

  it('trusts a result that agrees with its record, whatever the case of the names', () => {
    const e = envelope();
    const r = resultOf(e, { repo_owner: 'OCTO-ORG', commit_sha: e.job.commit_sha.toUpperCase() });
    expect(refusalOf(recordOf(e), r)).toBeUndefined();
  });

  it('trusts a result that leaves the repository and commit out: the record knows them', () => {
    const e = envelope();
    const { repo_url: _u, repo_owner: _o, repo_name: _n, commit_sha: _c, ...bare } = resultOf(e);
    expect(refusalOf(recordOf(e), bare)).toBeUndefined();
  });

  it("compares a fork pull request's result with the fork, where the job ran", () => {
    const e = envelope();
    e.job = { ...e.job, repo_owner: 'fork-owner', repo_name: 'fork' };
    const r = resultOf(e);
    expect(refusalOf(recordOf(e), r)).toBeUndefined();
    expect(refusalOf(recordOf(e), { ...r, repo_owner: 'octo-org' })).toBe(
      'does not match the published request: repo_owner octo-org (published: fork-owner)',
    );
  });

  it('names every field that differs from the record', () => {
    const e = envelope();
    const other = 'f'.repeat(40);
    expect(refusalOf(recordOf(e), resultOf(e, { commit_sha: other, repo_name: 'elsewhere' }))).toBe(
      `does not match the published request: commit_sha ${other} (published: ${e.job.commit_sha}), repo_name elsewhere (published: hello)`,
    );
  });
});

describe('a result next to what its record wants', () => {
  const e = envelope();
  const at = Date.parse('2026-03-04T05:06:07Z');
  const wanting = recordOf(e, {
    want: 'completed',
    want_v: 2,
    result_at: at,
    conclusion: 'success',
  });

  it('is new when the record wants no result yet', () => {
    expect(newsOf(recordOf(e, { want: 'queued', want_v: 1 }), at, 'success')).toBe('new');
  });

  it('is a duplicate with the same time and conclusion, stale when older, new when later', () => {
    expect(newsOf(wanting, at, 'success')).toBe('duplicate');
    expect(newsOf(wanting, at - 1, 'failure')).toBe('stale');
    expect(newsOf(wanting, at + 1, 'failure')).toBe('new');
    expect(newsOf(wanting, at, 'failure')).toBe('new');
  });
});
