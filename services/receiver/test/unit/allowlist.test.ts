import { describe, expect, it } from 'vitest';
import { createAllowlist, globToRegExp } from '../../src/allowlist.js';
import { push } from '../../../../test/support/payloads.js';

const repo = (fullName: string) => ({
  repository: { full_name: fullName, owner: { login: fullName.split('/')[0] } },
});

describe('globToRegExp', () => {
  it('matches * as any run, ? as one character, the whole name, ignoring case', () => {
    expect(globToRegExp('octo-org/*').test('Octo-Org/Hello-World')).toBe(true);
    expect(globToRegExp('octo-org/*').test('octo-org2/x')).toBe(false);
    expect(globToRegExp('octo-?').test('octo-a')).toBe(true);
    expect(globToRegExp('octo-?').test('octo-ab')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('octo').test('octocat')).toBe(false);
  });
});

describe('createAllowlist', () => {
  it('allows every repository when no list is set', () => {
    const allowed = createAllowlist({ repos: [], owners: [] });
    expect(allowed(repo('anyone/anything'))).toBe(true);
    expect(allowed({})).toBe(true);
  });

  it('allows a repository that matches ALLOWED_REPOS', () => {
    const allowed = createAllowlist({ repos: ['octo-org/*', 'me/one'], owners: [] });
    expect(allowed(repo('octo-org/widgets'))).toBe(true);
    expect(allowed(repo('ME/One'))).toBe(true);
    expect(allowed(repo('me/two'))).toBe(false);
  });

  it('allows a repository whose owner matches ALLOWED_OWNERS', () => {
    const allowed = createAllowlist({ repos: [], owners: ['octo-*'] });
    expect(allowed(repo('octo-org/widgets'))).toBe(true);
    expect(allowed(repo('OCTO-cat/x'))).toBe(true);
    expect(allowed(repo('octocat/x'))).toBe(false);
  });

  it('allows what either list allows', () => {
    const allowed = createAllowlist({ repos: ['me/one'], owners: ['octo-org'] });
    expect(allowed(repo('me/one'))).toBe(true);
    expect(allowed(repo('octo-org/any'))).toBe(true);
    expect(allowed(repo('me/two'))).toBe(false);
  });

  it("reads GitHub's real push payload", () => {
    const p = push();
    const [owner] = (p.repository.full_name as string).split('/');
    expect(createAllowlist({ repos: [p.repository.full_name], owners: [] })(p)).toBe(true);
    expect(createAllowlist({ repos: [], owners: [owner!] })(p)).toBe(true);
    expect(createAllowlist({ repos: [], owners: ['someone-else'] })(p)).toBe(false);
  });

  it('refuses a payload without a repository when a list is set', () => {
    expect(createAllowlist({ repos: ['*'], owners: [] })({})).toBe(false);
  });
});
