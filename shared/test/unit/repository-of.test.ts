import { describe, expect, it } from 'vitest';
import { commitShaOf, parseRepoUrl, repositoryOf } from '@solstice/shared';
import { example } from '../../../test/support/payloads.js';

describe('parseRepoUrl: the owner and name in a clone or ssh URL', () => {
  it.each([
    ['https://github.com/org/repo.git', 'org', 'repo'],
    ['https://github.com/org/repo', 'org', 'repo'],
    ['https://github.com/org/repo/', 'org', 'repo'],
    ['http://ghes.example.com:8080/Octo-Org/my.repo.git', 'Octo-Org', 'my.repo'],
    ['git@github.com:org/repo.git', 'org', 'repo'],
    ['git@github.com:org/repo', 'org', 'repo'],
    ['ssh://git@github.com/org/repo.git', 'org', 'repo'],
    ['ssh://git@ghes.example.com:2222/org/repo', 'org', 'repo'],
    ['git://github.com/org/repo.git', 'org', 'repo'],
    ['https://github.com/enterprise_emu/repo.git', 'enterprise_emu', 'repo'],
  ])('reads %s', (url, owner, name) => {
    expect(parseRepoUrl(url)).toEqual({ owner, name });
  });

  it.each([
    ['no path', 'https://github.com'],
    ['one segment', 'https://github.com/org'],
    ['three segments (another forge, a subgroup)', 'https://gitlab.com/group/sub/repo.git'],
    ['another scheme', 'file:///srv/git/org/repo.git'],
    ['a query', 'https://github.com/org/repo.git?x=1'],
    ['not a URL', 'org/repo'],
    ['a name of dots', 'https://github.com/org/..'],
    ['an owner starting with -', 'git@github.com:-org/repo.git'],
    ['spaces', 'https://github.com/org/my%20repo.git'],
    ['a name of only .git', 'https://github.com/org/.git'],
  ])('refuses %s', (_why, url) => {
    expect(parseRepoUrl(url)).toBeUndefined();
  });
});

describe('repositoryOf: owner and name of a payload repository', () => {
  it('takes owner.login and name as GitHub sends them', () => {
    const p = example('pull_request', (e) => e.action === 'opened');
    expect(repositoryOf(p.repository, 'repository')).toEqual({
      repository: {
        owner: 'Codertocat',
        name: 'Hello-World',
        url: 'https://github.com/Codertocat/Hello-World.git',
      },
    });
  });

  it("takes a push payload's owner.name when owner.login is missing", () => {
    const p = example('push', (e) => e.deleted === false);
    delete p.repository.owner.login;
    expect(repositoryOf(p.repository, 'repository')).toMatchObject({
      repository: { owner: 'Codertocat', name: 'Hello-World' },
    });
  });

  it('takes full_name when owner.login or name is missing', () => {
    const r = { full_name: 'org/repo', clone_url: 'https://github.com/org/repo.git' };
    expect(repositoryOf(r, 'repository')).toEqual({
      repository: { owner: 'org', name: 'repo', url: 'https://github.com/org/repo.git' },
    });
    expect(repositoryOf({ ...r, name: 'repo' }, 'repository')).toMatchObject({
      repository: { owner: 'org', name: 'repo' },
    });
  });

  it('takes clone_url, else ssh_url, when full_name is missing too', () => {
    expect(
      repositoryOf({ clone_url: 'https://github.com/org/repo.git' }, 'pull_request.head.repo'),
    ).toEqual({
      repository: { owner: 'org', name: 'repo', url: 'https://github.com/org/repo.git' },
    });
    expect(repositoryOf({ ssh_url: 'git@github.com:org/repo.git' }, 'repository')).toEqual({
      repository: { owner: 'org', name: 'repo', url: 'git@github.com:org/repo.git' },
    });
  });

  it('names every missing field when nothing gives the owner and name', () => {
    expect(repositoryOf({}, 'repository')).toEqual({
      problem:
        'repository gives no owner and name: missing repository.owner.login, repository.name, ' +
        'repository.full_name, repository.clone_url, repository.ssh_url',
    });
    expect(repositoryOf({ owner: { login: 'org' } }, 'pull_request.head.repo')).toEqual({
      problem:
        'pull_request.head.repo gives no owner and name: missing pull_request.head.repo.name, ' +
        'pull_request.head.repo.full_name, pull_request.head.repo.clone_url, ' +
        'pull_request.head.repo.ssh_url',
    });
  });

  it('says which fields are there but unusable', () => {
    const problem = repositoryOf(
      { full_name: 'just-a-name', clone_url: 'https://gitlab.com/a/b/c.git' },
      'repository',
    );
    expect(problem).toEqual({
      problem:
        'repository gives no owner and name: missing repository.owner.login, repository.name, ' +
        'repository.ssh_url; repository.full_name "just-a-name" is not owner/name; ' +
        'repository.clone_url "https://gitlab.com/a/b/c.git" is not a repository URL ' +
        '(https://host/owner/name, git@host:owner/name or ssh://host/owner/name)',
    });
  });

  it('refuses a repository that is missing or not an object', () => {
    expect(repositoryOf(undefined, 'repository')).toEqual({ problem: 'repository is missing' });
    expect(repositoryOf(null, 'repository')).toEqual({ problem: 'repository is missing' });
    expect(repositoryOf('org/repo', 'repository')).toEqual({
      problem: 'repository is not an object',
    });
  });

  it('gives no URL when the repository has neither clone_url nor ssh_url', () => {
    expect(repositoryOf({ full_name: 'org/repo' }, 'repository')).toEqual({
      repository: { owner: 'org', name: 'repo', url: undefined },
    });
  });
});

describe('commitShaOf: a commit id is 40 or 64 hex digits', () => {
  it('takes SHA-1 and SHA-256 ids, lower-cased', () => {
    expect(commitShaOf('A'.repeat(40), 'after')).toEqual({ sha: 'a'.repeat(40) });
    expect(commitShaOf('0f'.repeat(32), 'check_suite.head_sha')).toEqual({ sha: '0f'.repeat(32) });
  });

  it.each([
    ['deadbeef', 'after "deadbeef" is not a commit id (40 or 64 hex digits)'],
    // The design note's minimal pull request: 38 digits.
    [
      '89abcdef0123456789abcdef0123456789abcd',
      'after "89abcdef0123456789abcdef0123456789abcd" is not a commit id (40 or 64 hex digits)',
    ],
    ['g'.repeat(40), `after "${'g'.repeat(40)}" is not a commit id (40 or 64 hex digits)`],
    ['a'.repeat(41), `after "${'a'.repeat(41)}" is not a commit id (40 or 64 hex digits)`],
    [42, 'after 42 is not a commit id (40 or 64 hex digits)'],
    ['', 'after is missing (a commit id: 40 or 64 hex digits)'],
    [undefined, 'after is missing (a commit id: 40 or 64 hex digits)'],
  ])('refuses %j, naming the field', (value, problem) => {
    expect(commitShaOf(value, 'after')).toEqual({ problem });
  });

  it('cuts a long value short in the reason', () => {
    expect(commitShaOf('x'.repeat(500), 'pull_request.head.sha')).toEqual({
      problem: `pull_request.head.sha "${'x'.repeat(80)}…" is not a commit id (40 or 64 hex digits)`,
    });
  });
});
