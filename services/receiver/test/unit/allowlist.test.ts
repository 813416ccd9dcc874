import { describe, expect, it } from 'vitest';
import { createAllowlist, globMatcher } from '../../src/allowlist.js';
import { push } from '../../../../test/support/payloads.js';

const repo = (fullName: string) => ({
  repository: { full_name: fullName, owner: { login: fullName.split('/')[0] } },
});

describe('globMatcher (picomatch semantics)', () => {
  it('matches * as any run, ? as one character, the whole name, ignoring case', () => {
    expect(globMatcher('octo-org/*')('Octo-Org/Hello-World')).toBe(true);
    expect(globMatcher('octo-org/*')('octo-org2/x')).toBe(false);
    expect(globMatcher('octo-?')('octo-a')).toBe(true);
    expect(globMatcher('octo-?')('octo-ab')).toBe(false);
    expect(globMatcher('a.b')('axb')).toBe(false);
    expect(globMatcher('octo')('octocat')).toBe(false);
  });

  it('never lets * or ? cross a /', () => {
    expect(globMatcher('octo*')('octo-evil/repo')).toBe(false);
    expect(globMatcher('octo*')('octo-evil')).toBe(true);
    expect(globMatcher('*')('anyone/anything')).toBe(false);
    expect(globMatcher('octo?repo')('octo/repo')).toBe(false);
    expect(globMatcher('octo*/*')('octo-evil/repo')).toBe(true);
    expect(globMatcher('*/*')('anyone/anything')).toBe(true);
  });

  it('takes repositories whose name starts with a dot (octo-org/.github)', () => {
    expect(globMatcher('octo-org/*')('octo-org/.github')).toBe(true);
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

  it('does not let ALLOWED_REPOS=octo* allow octo-evil/repo (a glob never crosses /)', () => {
    const allowed = createAllowlist({ repos: ['octo*'], owners: [] });
    expect(allowed(repo('octo-evil/repo'))).toBe(false);
    expect(allowed(repo('octocat/hello'))).toBe(false);
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

  it('reads a minimal payload (only a clone URL) as the expander does', () => {
    const minimal = { repository: { clone_url: 'https://github.com/octo-org/widgets.git' } };
    expect(createAllowlist({ repos: ['octo-org/*'], owners: [] })(minimal)).toBe(true);
    expect(createAllowlist({ repos: [], owners: ['octo-org'] })(minimal)).toBe(true);
    expect(createAllowlist({ repos: ['me/*'], owners: ['me'] })(minimal)).toBe(false);
  });

  it('refuses a payload without a repository when a list is set', () => {
    expect(createAllowlist({ repos: ['*'], owners: [] })({})).toBe(false);
  });
});
