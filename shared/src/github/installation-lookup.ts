import type { Redis } from '../redis/client.js';
import type { GitHubApp } from './app-octokit.js';
import { rethrowGitHubFailure } from './github-failure.js';

/** The App's installation id for a repository, asked of GitHub once and kept in Redis. */
export interface InstallationLookup {
  installationFor(owner: string, repo: string): Promise<number>;
  forget(owner: string, repo: string): Promise<void>;
}

export interface InstallationLookupOptions {
  app: GitHubApp;
  redis: Redis;
  /** Redis key of one repository's installation id. */
  keyFor: (owner: string, repo: string) => string;
  ttlSeconds?: number;
}

// GitHub moves a repository to another installation rarely; an hour bounds a stale answer.
const INSTALLATION_TTL_S = 3600;

/**
 * The installation of the App on a repository, for events that name none (the reporter's
 * JobResults, the original integration's minimal payloads): `GET /repos/{owner}/{repo}/installation`.
 * https://docs.github.com/en/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app
 */
export function createInstallationLookup(o: InstallationLookupOptions): InstallationLookup {
  const ttlSeconds = o.ttlSeconds ?? INSTALLATION_TTL_S;
  return {
    async installationFor(owner, repo) {
      const key = o.keyFor(owner.toLowerCase(), repo.toLowerCase());
      const cached = await o.redis.get(key);
      if (cached) return Number(cached);
      let id: number;
      try {
        // GET /repos/{owner}/{repo}/installation takes the App's JWT; a 404 means not installed.
        ({
          data: { id },
        } = await o.app.app().rest.apps.getRepoInstallation({ owner, repo }));
      } catch (err) {
        rethrowGitHubFailure(err, `find the App's installation on ${owner}/${repo}`);
      }
      await o.redis.set(key, String(id), 'EX', ttlSeconds);
      return id;
    },
    async forget(owner, repo) {
      await o.redis.del(o.keyFor(owner.toLowerCase(), repo.toLowerCase()));
    },
  };
}
