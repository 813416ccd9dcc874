import { rethrowGitHubFailure, type GitHubApp } from '@solstice/shared';
import type { CheckRunChange, NewCheckRun } from '../check-run-for.js';

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

/** A call's answer, with its headers (the writer reads the installation's rate limit off them). */
export interface Answered<T> {
  value: T;
  headers: Record<string, unknown>;
}

/**
 * The Checks API calls the reporter makes, as the App's installation. The client never waits
 * (no retry, no rate-limit wait: createGitHubApp with waitInClient false): each call answers
 * or throws, and the writer decides what to do. Final refusals (404, 422…) become
 * PermanentErrors naming what was refused; others are thrown as they came.
 */
export interface ChecksClient {
  create(place: RunPlace, run: NewCheckRun): Promise<Answered<FoundCheckRun>>;
  update(place: RunPlace, id: number, change: CheckRunChange): Promise<Answered<undefined>>;
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
// GitHub ends a REST request after 10 s; a call with no answer after this is abandoned (a
// create then counts as one that may have happened: the run is looked up before the next).
const CALL_TIMEOUT_MS = 30_000;

const request = () => ({ signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });

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
        // Never retried blindly: a 5xx may come after GitHub made the run. The writer keeps the
        // create marked in flight and looks the run up by external_id before another create.
        const { data, headers } = await app.installation(place.installationId).rest.checks.create({
          owner: place.owner,
          repo: place.repo,
          ...run,
          request: request(),
        });
        return { value: pick(data), headers };
      } catch (err) {
        rethrowGitHubFailure(err, `create a Check Run on ${place.owner}/${place.repo}`);
      }
    },
    async update(place, id, change) {
      try {
        const { headers } = await app.installation(place.installationId).rest.checks.update({
          owner: place.owner,
          repo: place.repo,
          check_run_id: id,
          ...change,
          request: request(),
        });
        return { value: undefined, headers };
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
            request: request(),
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
