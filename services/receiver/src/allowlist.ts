export interface AllowlistSettings {
  /** Globs over `owner/name` (`octo-org/*`). */
  repos: readonly string[];
  /** Globs over the owner's login (`octo-*`). */
  owners: readonly string[];
}

/** Characters a glob may hold: GitHub names plus `*` and `?`. */
export const GLOB_PATTERN = /^[A-Za-z0-9._\-/*?]+$/;

/** `*` matches any run of characters, `?` one character; case-insensitive, whole name. */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.\-/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'i');
}

/**
 * A predicate over a payload: true when its repository matches ALLOWED_REPOS or its owner
 * matches ALLOWED_OWNERS; with neither list set every repository is allowed.
 */
export function createAllowlist(
  s: AllowlistSettings,
): (payload: Record<string, unknown>) => boolean {
  if (s.repos.length === 0 && s.owners.length === 0) return () => true;
  const repos = s.repos.map(globToRegExp);
  const owners = s.owners.map(globToRegExp);
  return (payload) => {
    const { fullName, owner } = repositoryOf(payload);
    if (fullName !== undefined && repos.some((re) => re.test(fullName))) return true;
    return owner !== undefined && owners.some((re) => re.test(owner));
  };
}

function repositoryOf(payload: Record<string, unknown>): { fullName?: string; owner?: string } {
  const repo = payload.repository as Record<string, unknown> | null | undefined;
  if (typeof repo !== 'object' || repo === null) return {};
  const fullName = typeof repo.full_name === 'string' ? repo.full_name : undefined;
  const ownerObj = repo.owner as Record<string, unknown> | null | undefined;
  const login =
    typeof ownerObj === 'object' && ownerObj !== null && typeof ownerObj.login === 'string'
      ? ownerObj.login
      : fullName?.split('/')[0];
  return { fullName, owner: login };
}
