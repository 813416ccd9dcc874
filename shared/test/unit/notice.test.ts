import { describe, expect, it } from 'vitest';
import {
  noticeFromFields,
  noticeIdFor,
  noticeRunName,
  noticeToFields,
  requestIdFor,
  type Notice,
} from '../../src/index.js';

const notice: Notice = {
  schema_version: 'notice.v1',
  notice_id: noticeIdFor('d-1', 'approval'),
  owner: 'octo-org',
  repo: 'app',
  head_sha: 'a'.repeat(40),
  installation_id: 7,
  name: noticeRunName('Solstice CI', 'fork approval'),
  delivery: 'd-1',
  at: 1_700_000_000_000,
  status: 'queued',
  output: { title: 'Waiting for approval', summary: '…' },
  actions: [{ label: 'Approve and run', identifier: 'solstice-approve', description: 'Run it' }],
};

describe('notice runs on {P}:checks', () => {
  it('round-trips through entry fields, marked as a notice', () => {
    const fields = noticeToFields(notice);
    expect(fields).toMatchObject({ kind: 'notice', request_id: notice.notice_id, delivery: 'd-1' });
    expect(noticeFromFields(fields)).toEqual(notice);
  });

  it('has an id no job of the delivery can have, and a name no job run can have', () => {
    expect(noticeIdFor('d-1', 'approval')).not.toBe(requestIdFor('d-1', 'approval'));
    expect(noticeIdFor('d-1', 'approval')).toBe(noticeIdFor('d-1', 'approval'));
    expect(notice.name).toBe('Solstice CI / fork approval');
  });

  it.each([
    [{ notice: 'nope' }, 'not JSON'],
    [{ notice: JSON.stringify({ ...notice, schema_version: 'x' }) }, 'schema_version x'],
    [{ notice: JSON.stringify({ ...notice, head_sha: '' }) }, 'head_sha is missing'],
    [{ notice: JSON.stringify({ ...notice, status: 'completed' }) }, 'conclusion undefined'],
    [{ notice: JSON.stringify({ ...notice, output: {} }) }, 'output.title'],
  ])('refuses a bad entry, naming what is wrong: %j', (fields, why) => {
    expect(() => noticeFromFields({ kind: 'notice', ...fields })).toThrow(why);
  });
});
