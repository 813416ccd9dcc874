import type { RepositoryRef } from '../job-envelope.js';

// GitHub logins are letters, digits and '-' (managed users add '_shortcode'); repository
// names are letters, digits, '.', '_' and '-'. Anything else is not a name we could use.
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

// git@host:owner/name(.git): the scp-like form of ssh_url.
const SCP_LIKE = /^[^@\s/]+@[^:\s/]+:([^/\s]+)\/([^/\s]+?)\/?$/;

const URL_SCHEMES = new Set(['https:', 'http:', 'ssh:', 'git:']);

/** owner and name when both are names GitHub allows, `.git` taken off the name. */
export function repositoryName(owner: string, name: string): RepositoryRef | undefined {
  const bare = name.endsWith('.git') ? name.slice(0, -'.git'.length) : name;
  if (!OWNER.test(owner) || !NAME.test(bare) || bare === '.' || bare === '..') return undefined;
  return { owner, name: bare };
}

/**
 * The owner and name in a repository's clone or ssh URL: `https://host/owner/name(.git)`,
 * `git@host:owner/name(.git)` or `ssh://git@host(:port)/owner/name(.git)`; undefined for any
 * other shape (a path of more or fewer than two segments, another scheme). GitHub and GitHub
 * Enterprise Server put repositories at exactly `/owner/name`.
 */
export function parseRepoUrl(url: string): RepositoryRef | undefined {
  const scp = SCP_LIKE.exec(url);
  if (scp) return repositoryName(scp[1]!, scp[2]!);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!URL_SCHEMES.has(parsed.protocol) || parsed.hostname === '') return undefined;
  if (parsed.search !== '' || parsed.hash !== '') return undefined;
  const segments = parsed.pathname.replace(/\/$/, '').split('/').slice(1);
  if (segments.length !== 2) return undefined;
  try {
    return repositoryName(decodeURIComponent(segments[0]!), decodeURIComponent(segments[1]!));
  } catch {
    return undefined;
  }
}
