import { rethrowGitHubFailure, type GitHubApp } from '@solstice/shared';
import type { CheckRunCompletion, NewCheckRun } from '../check-run-for.js';

/** Where a run lives and which installation may write it. */
export interface RunPlace {
  owner: string;
  repo: string;
  installationId: number;
}

export interface FoundCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
}

/** The Checks API calls the reporter makes, as the App's installation. */
export interface ChecksClient {
  create(place: RunPlace, run: NewCheckRun): Promise<FoundCheckRun>;
  update(place: RunPlace, id: number, change: CheckRunCompletion | { name: string }): Promise<void>;
  /** The App's run on `sha` whose external_id is `externalId`, by listing the commit's runs. */
  findByExternalId(
    place: RunPlace,
    sha: string,
    externalId: string,
  ): Promise<FoundCheckRun | undefined>;
}

const PER_PAGE = 100;
// A commit with more runs than this from one App is not one this reporter made.
const MAX_PAGES = 10;

/** Final refusals (404, 422…) become PermanentErrors; others are left to be retried. */
export function createChecksClient(app: GitHubApp, appId: number): ChecksClient {
  const pick = (r: FoundCheckRun): FoundCheckRun => ({
    id: r.id,
    name: r.name,
    status: r.status,
    conclusion: r.conclusion,
  });
  return {
    async create(place, run) {
      try {
        const { data } = await app
          .installation(place.installationId)
          // No blind retry: a 5xx may come after GitHub made the run, and a second POST would
          // make a second one. The caller marks the claim uncertain; the next attempt looks the
          // run up by external_id before it creates anything.
          .rest.checks.create({
            owner: place.owner,
            repo: place.repo,
            ...run,
            request: { retries: 0 },
          });
        return pick(data);
      } catch (err) {
        rethrowGitHubFailure(err, `create a Check Run on ${place.owner}/${place.repo}`);
      }
    },
    async update(place, id, change) {
      try {
        await app.installation(place.installationId).rest.checks.update({
          owner: place.owner,
          repo: place.repo,
          check_run_id: id,
          ...change,
        });
      } catch (err) {
        rethrowGitHubFailure(err, `update Check Run ${id} on ${place.owner}/${place.repo}`);
      }
    },
    async findByExternalId(place, sha, externalId) {
      const client = app.installation(place.installationId);
      for (let page = 1; page <= MAX_PAGES; page++) {
        let data: {
          total_count: number;
          check_runs: (FoundCheckRun & { external_id: string | null })[];
        };
        try {
          ({ data } = await client.rest.checks.listForRef({
            owner: place.owner,
            repo: place.repo,
            ref: sha,
            app_id: appId,
            // 'latest' would hide all but the newest run of each name.
            filter: 'all',
            per_page: PER_PAGE,
            page,
          }));
        } catch (err) {
          rethrowGitHubFailure(err, `list the Check Runs of ${place.owner}/${place.repo}@${sha}`);
        }
        const found = data.check_runs.find((r) => r.external_id === externalId);
        if (found) return pick(found);
        if (page * PER_PAGE >= data.total_count) return undefined;
      }
      return undefined;
    },
  };
}
