import {
  isTokenMint,
  PermanentError,
  type GitHubApp,
  type Logger,
  type Redis,
} from '@solstice/shared';
import { classifyFailure } from './classify-failure.js';
import { decodeContent } from './decode-content.js';

/** The workflow file of one commit, as GitHub (or the cache) gave it. */
export type WorkflowFile =
  | { state: 'file'; text: string }
  | { state: 'absent' }
  /** Something is there, but it cannot be read as a workflow (too large, a directory…). */
  | { state: 'unusable'; reason: string };

/** solstice_workflow_fetches_total{result} */
export type FetchResult = 'cached' | 'found' | 'absent' | 'unusable' | 'refused' | 'failed';

export interface WorkflowAt {
  owner: string;
  repo: string;
  sha: string;
  installationId: number;
}

export interface WorkflowSource {
  read(at: WorkflowAt): Promise<WorkflowFile>;
}

export interface WorkflowSourceOptions {
  app: GitHubApp;
  redis: Redis;
  /** keys.workflowCache */
  keyFor: (owner: string, repo: string, sha: string) => string;
  ttlSeconds: number;
  path: string;
  maxBytes: number;
  log: Logger;
  counted?: (result: FetchResult) => void;
}

/**
 * The workflow file at an exact commit, through the Contents API with an installation token,
 * cached in Redis by (owner, repo, sha) — "absent" too — so one commit seen as a push and as a
 * pull request is fetched once. A commit never changes, so the cache needs no invalidation;
 * the TTL only bounds its size.
 */
export function createWorkflowSource(o: WorkflowSourceOptions): WorkflowSource {
  const inFlight = new Map<string, Promise<WorkflowFile>>();
  const count = (r: FetchResult) => o.counted?.(r);

  async function fromGitHub(at: WorkflowAt, key: string): Promise<WorkflowFile> {
    const client = o.app.installation(at.installationId);
    const ask = () =>
      client.rest.repos.getContent({ owner: at.owner, repo: at.repo, path: o.path, ref: at.sha });
    let file: WorkflowFile;
    try {
      let response;
      try {
        response = await ask();
      } catch (err) {
        // A token revoked before its expiry (App re-installed): the client has dropped it
        // from its caches (createGitHubApp), so one more try takes a newer one or mints one.
        if ((err as { status?: number }).status !== 401 || isTokenMint(err)) throw err;
        o.log.warn(
          { installation: at.installationId },
          'installation token refused; trying once more with a new one',
        );
        response = await ask();
      }
      file = decodeContent(response.data, o.maxBytes);
      count(file.state === 'file' ? 'found' : 'unusable');
    } catch (err) {
      const outcome = classifyFailure(err, at, o.path);
      if (outcome !== 'absent') {
        count(outcome instanceof PermanentError ? 'refused' : 'failed');
        throw outcome;
      }
      file = { state: 'absent' };
      count('absent');
    }
    await o.redis.set(key, JSON.stringify(file), 'EX', o.ttlSeconds);
    return file;
  }

  async function read(at: WorkflowAt): Promise<WorkflowFile> {
    const key = o.keyFor(at.owner.toLowerCase(), at.repo.toLowerCase(), at.sha.toLowerCase());
    const cached = parseCached(await o.redis.get(key));
    if (cached) {
      count('cached');
      return cached;
    }
    return fromGitHub(at, key);
  }

  return {
    read(at) {
      // Two events of one commit in the same batch share one fetch.
      const id = `${at.owner}/${at.repo}@${at.sha}`.toLowerCase();
      let pending = inFlight.get(id);
      if (!pending) {
        pending = read(at).finally(() => inFlight.delete(id));
        inFlight.set(id, pending);
      }
      return pending;
    },
  };
}

function parseCached(text: string | null): WorkflowFile | undefined {
  if (text === null) return undefined;
  try {
    const v = JSON.parse(text) as WorkflowFile;
    if (v.state === 'absent') return v;
    if (v.state === 'file' && typeof v.text === 'string') return v;
    if (v.state === 'unusable' && typeof v.reason === 'string') return v;
  } catch {
    // An unreadable entry is fetched again and overwritten.
  }
  return undefined;
}
