import {
  isRateLimited,
  isTokenMint,
  PermanentError,
  rateLimitedUntil,
  RetryLater,
} from '@solstice/shared';
import type { WorkflowAt } from './workflow-source.js';

// Linked from the failed Check Run and the dead entry.
export const APP_PERMISSIONS_DOCS =
  'https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/choosing-permissions-for-a-github-app';

/**
 * GitHub refused the installation's token the workflow file (401/403, not a rate limit): the
 * App lacks Contents: read on the repository. The commit gets a failed notice run saying so.
 */
export class ContentsRefused extends PermanentError {
  /** What GitHub said: status and message. */
  readonly answer: string;

  constructor(
    readonly repository: string,
    status: number,
    message: string,
  ) {
    // octokit appends GitHub's documentation_url; the failure names the docs that help instead.
    const said = message.replace(/ - https:\/\/\S+$/, '');
    super(
      `the App needs Contents: read on ${repository} (GitHub answered ${status} ${said}); ` +
        `see ${APP_PERMISSIONS_DOCS}`,
    );
    this.answer = `${status} ${said}`;
  }
}

interface Failure {
  status?: number;
  message?: string;
}

/**
 * What a failed Contents API read means: 'absent' for a missing file; a PermanentError when
 * GitHub refuses the App for good (bad credentials; ContentsRefused: no Contents permission
 * on the repository); a RetryLater for a rate limit (isRateLimited: 429 and the secondary
 * limit too) the client did not sit out (over GITHUB_MAX_WAIT_MS): the entry is deferred
 * until GitHub's time without holding the batch; a plain Error (retried later by the runner)
 * for the rest: 5xx that the octokit plugins already retried, a network failure, a commit
 * GitHub does not know yet.
 */
export function classifyFailure(
  err: unknown,
  at: WorkflowAt,
  path: string,
  now = Date.now(),
): Error | 'absent' {
  const e = (err ?? {}) as Failure;
  const said = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  const where = `${at.owner}/${at.repo}@${at.sha}`;
  const until = rateLimitedUntil(err, now);
  if (until !== undefined)
    return new RetryLater(
      until,
      `reading ${path} of ${where} is rate limited until ${new Date(until).toISOString()}: ${e.status ?? ''} ${said}`,
    );
  if (e.status === 404 && isTokenMint(err))
    return new PermanentError(
      `GitHub does not know installation ${at.installationId} of the App (uninstalled?): 404 ${said}`,
    );
  // Right after a push the Contents API may not see the commit yet; the file is not absent.
  if (e.status === 404 && /no commit found/i.test(said))
    return new Error(`GitHub does not know ${where} yet: 404 ${said}`);
  if (e.status === 404) return 'absent';
  if ((e.status === 401 || e.status === 403) && !isRateLimited(err)) {
    if (!isTokenMint(err)) return new ContentsRefused(`${at.owner}/${at.repo}`, e.status, said);
    const whose = `the App's credentials (GITHUB_APP_ID, GITHUB_APP_KEY) for installation ${at.installationId}`;
    return new PermanentError(`GitHub refused ${whose}: ${e.status} ${said}`);
  }
  return new Error(`reading ${path} of ${where} failed${e.status ? `: ${e.status}` : ''}: ${said}`);
}
