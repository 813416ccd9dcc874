import { describe, expect, it } from 'vitest';
import { forkDecision, releases } from '../../src/fork-policy.js';

describe('when a pull request builds (FORK_PULL_REQUESTS)', () => {
  it.each([
    // fork, author_association, policy → decision
    [false, 'NONE', 'approve', 'build'],
    [false, 'NONE', 'never', 'build'],
    [true, 'OWNER', 'approve', 'build'],
    [true, 'MEMBER', 'approve', 'build'],
    [true, 'COLLABORATOR', 'approve', 'build'],
    [true, 'collaborator', 'approve', 'build'],
    [true, 'CONTRIBUTOR', 'approve', 'approve'],
    [true, 'FIRST_TIME_CONTRIBUTOR', 'approve', 'approve'],
    [true, 'FIRST_TIMER', 'approve', 'approve'],
    [true, 'NONE', 'approve', 'approve'],
    [true, 'MANNEQUIN', 'approve', 'approve'],
    [true, undefined, 'approve', 'approve'],
    [true, 'NONE', 'always', 'build'],
    [true, 'NONE', 'never', 'never'],
    // never means no fork builds, whoever opened it
    [true, 'OWNER', 'never', 'never'],
  ] as const)('fork %s, %s, %s → %s', (fork, association, policy, decision) => {
    expect(forkDecision({ fork, association }, policy)).toBe(decision);
  });
});

describe('whose click releases a fork pull request', () => {
  it.each([
    [{ permission: 'admin', role_name: 'admin' }, true],
    [{ permission: 'write', role_name: 'maintain' }, true],
    [{ permission: 'write', role_name: 'write' }, true],
    [{ permission: 'write' }, true],
    [{ permission: 'read', role_name: 'triage' }, false],
    [{ permission: 'read', role_name: 'read' }, false],
    [{ permission: 'none', role_name: 'none' }, false],
    [{}, false],
  ])('%j → %s', (permission, released) => {
    expect(releases(permission)).toBe(released);
  });
});
