import picomatch from 'picomatch';
import { repositoryOf } from '@solstice/shared';

export interface AllowlistSettings {
  /** Globs over `owner/name` (`octo-org/*`). */
  repos: readonly string[];
  /** Globs over the owner's login (`octo-*`). */
  owners: readonly string[];
}

/** Characters a glob may hold: GitHub names plus `*` and `?`. */
export const GLOB_PATTERN = /^[A-Za-z0-9._\-/*?]+$/;

/**
 * A matcher with picomatch's semantics (https://github.com/micromatch/picomatch): `*` is any
 * run of characters and `?` one character, neither ever crossing `/`, so `octo*` cannot let
 * `octo-evil/repo` in (issue 13). Case-insensitive like GitHub's names; `dot` so that
 * `octo-org/*` also takes `octo-org/.github`.
 */
export function globMatcher(glob: string): (name: string) => boolean {
  return picomatch(glob, { nocase: true, dot: true });
}

/**
 * A predicate over a payload: true when its repository matches ALLOWED_REPOS or its owner
 * matches ALLOWED_OWNERS; with neither list set every repository is allowed. A payload without
 * a repository is refused when a list is set.
 */
export function createAllowlist(
  s: AllowlistSettings,
): (payload: Record<string, unknown>) => boolean {
  if (s.repos.length === 0 && s.owners.length === 0) return () => true;
  const repos = s.repos.map(globMatcher);
  const owners = s.owners.map(globMatcher);
  return (payload) => {
    // Read as the expander reads it (owner.login and name, else full_name, else the clone URL).
    const found = repositoryOf(payload.repository, 'repository');
    if (!('repository' in found)) return false;
    const { owner, name } = found.repository;
    if (repos.some((match) => match(`${owner}/${name}`))) return true;
    return owners.some((match) => match(owner));
  };
}
