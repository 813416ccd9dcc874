import { describe, expect, it } from 'vitest';
import { classifyEvent } from '../../src/classify-event.js';
import {
  branchDeletion,
  example,
  ping,
  push,
  withAction,
} from '../../../../test/support/payloads.js';

const off = { checkSuiteRequested: false };
const on = { checkSuiteRequested: true };

describe('classifyEvent (the table of DESIGN.md "Webhooks the receiver takes")', () => {
  it('answers a ping 200 without taking it', () => {
    expect(classifyEvent('ping', ping(), off)).toEqual({
      take: false,
      status: 200,
      reason: 'ping',
    });
  });

  it('takes a push to a branch', () => {
    expect(classifyEvent('push', push(), off)).toEqual({ take: true });
  });

  it('ignores a branch deletion, by deleted: true or by an all-zeros after', () => {
    expect(classifyEvent('push', branchDeletion(), off)).toMatchObject({
      take: false,
      status: 204,
      reason: 'branch deletion',
    });
    const zeros = { ...push(), after: '0'.repeat(40) };
    expect(classifyEvent('push', zeros, off)).toMatchObject({ take: false, status: 204 });
    const flagged = { ...push(), deleted: true };
    expect(classifyEvent('push', flagged, off)).toMatchObject({ take: false, status: 204 });
  });

  it.each(['opened', 'synchronize', 'reopened'])('takes pull_request %s', (action) => {
    expect(classifyEvent('pull_request', withAction('pull_request', action), off)).toEqual({
      take: true,
    });
  });

  it.each(['closed', 'labeled', 'edited', 'assigned', 'ready_for_review'])(
    'ignores pull_request %s with 204',
    (action) => {
      const p = { ...withAction('pull_request', 'opened'), action };
      expect(classifyEvent('pull_request', p, off)).toMatchObject({ take: false, status: 204 });
    },
  );

  it('takes check_suite rerequested', () => {
    expect(classifyEvent('check_suite', withAction('check_suite', 'rerequested'), off)).toEqual({
      take: true,
    });
  });

  it('takes check_suite requested only when CHECK_SUITE_REQUESTED is on', () => {
    const p = withAction('check_suite', 'requested');
    expect(classifyEvent('check_suite', p, off)).toMatchObject({ take: false, status: 204 });
    expect(classifyEvent('check_suite', p, on)).toEqual({ take: true });
  });

  it('ignores check_suite completed', () => {
    expect(classifyEvent('check_suite', withAction('check_suite', 'completed'), on)).toMatchObject({
      take: false,
      status: 204,
    });
  });

  it('takes check_run rerequested and requested_action (an approval click), and ignores its other actions', () => {
    expect(classifyEvent('check_run', withAction('check_run', 'rerequested'), off)).toEqual({
      take: true,
    });
    expect(classifyEvent('check_run', withAction('check_run', 'requested_action'), off)).toEqual({
      take: true,
    });
    for (const action of ['created', 'completed']) {
      expect(classifyEvent('check_run', withAction('check_run', action), on)).toMatchObject({
        take: false,
        status: 204,
      });
    }
  });

  it.each(['issues', 'release', 'installation', 'workflow_run'])('ignores %s with 204', (name) => {
    expect(classifyEvent(name, example(name), on)).toMatchObject({
      take: false,
      status: 204,
      reason: `event ${name} is not built`,
    });
  });
});
