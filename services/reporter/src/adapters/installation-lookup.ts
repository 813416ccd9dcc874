import { rethrowGitHubFailure, type GitHubApp, type Redis } from '@solstice/shared';

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
  ttlSeconds: number;
}

export function createInstallationLookup(o: InstallationLookupOptions): InstallationLookup {
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
      await o.redis.set(key, String(id), 'EX', o.ttlSeconds);
      return id;
    },
    async forget(owner, repo) {
      await o.redis.del(o.keyFor(owner.toLowerCase(), repo.toLowerCase()));
    },
  };
}
