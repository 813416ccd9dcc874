import { describe, expect, it } from 'vitest';
import { eventVerdict } from '@solstice/shared';
import { example } from '../../../test/support/payloads.js';

const off = { checkSuiteRequested: false };
const on = { checkSuiteRequested: true };
const withAction = (event: string, action: string) => example(event, (p) => p.action === action);

describe('which events and actions build (DESIGN.md "Webhooks the receiver takes")', () => {
  it('builds a push to a branch, not a branch deletion', () => {
    expect(
      eventVerdict(
        'push',
        example('push', (p) => p.deleted === false),
        off,
      ),
    ).toEqual({
      kind: 'build',
    });
    expect(
      eventVerdict(
        'push',
        example('push', (p) => p.deleted === true),
        off,
      ),
    ).toEqual({
      kind: 'skip',
      reason: 'branch deletion',
    });
    const zeros = { ...example('push', (p) => p.deleted === false), after: '0'.repeat(40) };
    expect(eventVerdict('push', zeros, off)).toMatchObject({ kind: 'skip' });
  });

  it.each(['opened', 'synchronize', 'reopened'])('builds pull_request %s', (action) => {
    expect(eventVerdict('pull_request', withAction('pull_request', action), off).kind).toBe(
      'build',
    );
  });

  it('skips the other pull_request actions, naming the action', () => {
    const closed = { ...withAction('pull_request', 'opened'), action: 'closed' };
    expect(eventVerdict('pull_request', closed, off)).toEqual({
      kind: 'skip',
      reason: 'pull_request action closed is not built',
    });
  });

  it('builds check_suite rerequested, and requested only with CHECK_SUITE_REQUESTED', () => {
    expect(eventVerdict('check_suite', withAction('check_suite', 'rerequested'), off).kind).toBe(
      'build',
    );
    const requested = withAction('check_suite', 'requested');
    expect(eventVerdict('check_suite', requested, off).kind).toBe('skip');
    expect(eventVerdict('check_suite', requested, on).kind).toBe('build');
  });

  it('builds check_run rerequested and requested_action (an Approve and run click) only', () => {
    expect(eventVerdict('check_run', withAction('check_run', 'rerequested'), on).kind).toBe(
      'build',
    );
    expect(eventVerdict('check_run', withAction('check_run', 'requested_action'), on).kind).toBe(
      'build',
    );
    for (const action of ['created', 'completed'])
      expect(eventVerdict('check_run', withAction('check_run', action), on).kind).toBe('skip');
  });

  it('answers a ping apart and skips every other event', () => {
    expect(eventVerdict('ping', example('ping'), on)).toEqual({ kind: 'ping' });
    expect(eventVerdict('issues', example('issues'), on)).toEqual({
      kind: 'skip',
      reason: 'event issues is not built',
    });
  });
});
