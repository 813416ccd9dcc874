import { describe, expect, it } from 'vitest';
import {
  envelopeFromFields,
  envelopeToFields,
  PermanentError,
  type JobEnvelope,
} from '@solstice/shared';

const envelope: JobEnvelope = {
  job: {
    schema_version: 'jobrequest.v1',
    request_id: '0b7e6c3e-5a43-5f0e-9d2b-3f1c2a4b5c6d',
    group_id: null,
    source: 'github',
    repo_url: 'https://github.com/fork-owner/hello.git',
    repo_owner: 'fork-owner',
    repo_name: 'hello',
    commit_sha: 'a'.repeat(40),
    workflow_path: null,
    workflow_job_id: null,
    runs_on: null,
    script_path: null,
    submitted_at: '2026-01-02T03:04:05.000Z',
  },
  delivery: 'd-1',
  installation_id: 7,
  check_repository: { owner: 'octo-org', name: 'hello' },
  check_name: 'Solstice CI',
  workflow_error: '',
};

describe('a JobEnvelope as stream-entry fields', () => {
  it('comes back with its typed fields: a number and an owner/name pair, never joined', () => {
    const fields = envelopeToFields({ ...envelope, published_at: '2026-01-02T03:04:06.000Z' });
    expect(fields).toMatchObject({
      installation_id: '7',
      check_owner: 'octo-org',
      check_repo: 'hello',
    });
    expect(fields).not.toHaveProperty('check_repository');
    expect(envelopeFromFields(fields)).toEqual({
      ...envelope,
      published_at: '2026-01-02T03:04:06.000Z',
    });
    const none = envelopeToFields({ ...envelope, installation_id: null });
    expect(none.installation_id).toBe('');
    expect(envelopeFromFields(none).installation_id).toBeNull();
  });

  it('reads entries written before the upgrade: check_repository as "owner/name", or none', () => {
    const { check_owner: _o, check_repo: _r, ...old } = envelopeToFields(envelope);
    expect(envelopeFromFields({ ...old, check_repository: 'octo-org/hello' })).toEqual(envelope);
    // Without check_repository the run lives on the job's own repository.
    expect(envelopeFromFields(old).check_repository).toEqual({
      owner: 'fork-owner',
      name: 'hello',
    });
    expect(envelopeFromFields({ ...old, installation_id: '' }).installation_id).toBeNull();
  });

  it('reads an installation id that is not a positive whole number as none (looked up later)', () => {
    for (const id of ['0', 'x7', '-7', '99999999999999999999'])
      expect(
        envelopeFromFields({ ...envelopeToFields(envelope), installation_id: id }),
      ).toMatchObject({ installation_id: null });
  });

  it('refuses an entry whose JobRequest does not validate', () => {
    expect(() => envelopeFromFields({ ...envelopeToFields(envelope), job: '{}' })).toThrow(
      PermanentError,
    );
  });
});
