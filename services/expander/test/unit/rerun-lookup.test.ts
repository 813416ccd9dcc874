import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkIdentityOf, checkRecordOf, checkIdentityFields } from '@solstice/shared';
import { rerunJobOf, rerunRequestId } from '../../src/adapters/rerun-lookup.js';
import { jobEnvelope } from '../../../../test/support/fixtures.js';
import { example } from '../../../../test/support/payloads.js';

/** GitHub's check_run `rerequested` example, on github/hello-world, with our external_id. */
function rerequested(externalId: string | null) {
  const p = example('check_run', (e) => e.action === 'rerequested');
  p.check_run.external_id = externalId;
  return p;
}

const recordOn = (owner: string, repo: string, jobId: string | null) =>
  checkRecordOf(
    checkIdentityFields(checkIdentityOf(jobEnvelope({ owner, repo, jobId, installationId: 7 }))),
  );

describe('finding the job of a re-requested run by its external_id', () => {
  it('reads the request_id from a rerequested check_run only', () => {
    const id = randomUUID();
    expect(rerunRequestId(rerequested(id))).toBe(id);
    expect(rerunRequestId(rerequested(''))).toBeUndefined();
    expect(rerunRequestId(rerequested('not-ours-123'))).toBeUndefined();
    expect(rerunRequestId({ ...rerequested(id), action: 'created' })).toBeUndefined();
  });

  it('takes the job and commit from the record of the same repository', () => {
    const record = recordOn('github', 'hello-world', 'test');
    expect(rerunJobOf(rerequested(record!.request_id), record)).toEqual({
      jobId: 'test',
      sha: record!.head_sha,
    });
    expect(rerunJobOf(rerequested(null), recordOn('github', 'hello-world', null))).toMatchObject({
      jobId: null,
    });
  });

  it('says when the run is a notice (fork approval, App permissions): nothing to build again', () => {
    const record = { ...recordOn('github', 'hello-world', null)!, notice: '{}' };
    expect(rerunJobOf(rerequested(record.request_id), record)).toEqual({
      jobId: null,
      sha: record.head_sha,
      notice: true,
    });
  });

  it('ignores a record of another repository, and no record at all (the name is read then)', () => {
    const elsewhere = recordOn('someone', 'else', 'test');
    expect(rerunJobOf(rerequested(elsewhere!.request_id), elsewhere)).toBeUndefined();
    expect(rerunJobOf(rerequested(randomUUID()), undefined)).toBeUndefined();
  });
});
