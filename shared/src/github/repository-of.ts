import type { RepositoryRef } from '../job-envelope.js';
import { parseRepoUrl, repositoryName } from './parse-repo-url.js';
import { showValue } from './show-value.js';

/** A repository object of a webhook payload, read into what a job needs. */
export interface PayloadRepository extends RepositoryRef {
  /** clone_url, else ssh_url (DESIGN.md: repo_url); undefined when it has neither. */
  url: string | undefined;
}

/** The repository, or what is missing or wrong in it (naming the fields under `path`). */
export type RepositoryOf = { repository: PayloadRepository } | { problem: string };

type Obj = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const URL_FORMS = 'https://host/owner/name, git@host:owner/name or ssh://host/owner/name';

/**
 * The owner and name of the repository object at `path` of a payload: `owner.login` (a push
 * payload's `owner.name`) and `name` as GitHub sends them; when either is missing (the minimal
 * payloads of smoke tests and relays) from `full_name`, else from `clone_url` or `ssh_url`.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 */
export function repositoryOf(value: unknown, path: string): RepositoryOf {
  if (value === undefined || value === null) return { problem: `${path} is missing` };
  if (typeof value !== 'object' || Array.isArray(value))
    return { problem: `${path} is not an object` };
  const o = value as Obj;
  const url = text(o.clone_url) ?? text(o.ssh_url);
  const found = (name: RepositoryRef): RepositoryOf => ({ repository: { ...name, url } });

  const owner = typeof o.owner === 'object' && o.owner !== null ? (o.owner as Obj) : {};
  const login = text(owner.login) ?? text(owner.name);
  const name = text(o.name);
  if (login !== undefined && name !== undefined) return found({ owner: login, name });

  const missing: string[] = [];
  const wrong: string[] = [];
  if (login === undefined) missing.push(`${path}.owner.login`);
  if (name === undefined) missing.push(`${path}.name`);

  const fullName = text(o.full_name);
  if (fullName === undefined) missing.push(`${path}.full_name`);
  else {
    const [first, second, ...rest] = fullName.split('/');
    const fromFullName =
      rest.length === 0 && first !== undefined && second !== undefined
        ? repositoryName(first, second)
        : undefined;
    if (fromFullName) return found(fromFullName);
    wrong.push(`${path}.full_name ${showValue(fullName)} is not owner/name`);
  }

  for (const key of ['clone_url', 'ssh_url']) {
    const u = text(o[key]);
    if (u === undefined) {
      missing.push(`${path}.${key}`);
      continue;
    }
    const fromUrl = parseRepoUrl(u);
    if (fromUrl) return found(fromUrl);
    wrong.push(`${path}.${key} ${showValue(u)} is not a repository URL (${URL_FORMS})`);
  }

  const reasons = [...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []), ...wrong];
  return { problem: `${path} gives no owner and name: ${reasons.join('; ')}` };
}
