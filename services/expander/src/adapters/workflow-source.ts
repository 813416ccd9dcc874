import { PermanentError, type GitHubApp, type Logger, type Redis } from '@solstice/shared';
import { tooLarge } from '../parse-workflow.js';

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

interface Failure {
  status?: number;
  message?: string;
  request?: { url?: string };
  response?: { headers?: Record<string, unknown> };
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
        // A token revoked before its expiry (App re-installed) stays cached: mint one and retry once.
        if ((err as Failure).status !== 401 || isTokenMint(err)) throw err;
        o.log.warn(
          { installation: at.installationId },
          'installation token refused; minting a new one',
        );
        await client.auth({ type: 'installation', refresh: true });
        response = await ask();
      }
      file = decode(response.data, o.maxBytes);
      count(file.state === 'file' ? 'found' : 'unusable');
    } catch (err) {
      const outcome = classify(err, at, o.path);
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

/** GitHub's answer (JSON, or the raw media type's text) as a WorkflowFile. */
export function decode(data: unknown, maxBytes: number): WorkflowFile {
  let bytes: Buffer;
  if (typeof data === 'string') {
    bytes = Buffer.from(data, 'utf8');
  } else if (Array.isArray(data)) {
    return { state: 'unusable', reason: 'a directory, not a file' };
  } else {
    const f = (data ?? {}) as {
      type?: unknown;
      size?: unknown;
      encoding?: unknown;
      content?: unknown;
    };
    if (f.type !== 'file') return { state: 'unusable', reason: `a ${String(f.type)}, not a file` };
    // Checked before decoding: GitHub gives the size, and no content at all past 1 MB.
    if (typeof f.size === 'number' && f.size > maxBytes)
      return { state: 'unusable', reason: tooLarge(f.size, maxBytes) };
    if (f.encoding !== 'base64' || typeof f.content !== 'string')
      return {
        state: 'unusable',
        reason: `content in an unknown encoding (${String(f.encoding)})`,
      };
    bytes = Buffer.from(f.content, 'base64');
  }
  if (bytes.length > maxBytes)
    return { state: 'unusable', reason: tooLarge(bytes.length, maxBytes) };
  try {
    return { state: 'file', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { state: 'unusable', reason: 'not UTF-8 text' };
  }
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

const isTokenMint = (err: unknown) =>
  /\/app\/installations\/\d+\/access_tokens/.test((err as Failure).request?.url ?? '');

function isRateLimit(e: Failure): boolean {
  const h = e.response?.headers ?? {};
  return (
    e.status === 429 ||
    h['x-ratelimit-remaining'] === '0' ||
    h['retry-after'] !== undefined ||
    /rate limit/i.test(e.message ?? '')
  );
}

/**
 * 'absent' for a missing file; a PermanentError when GitHub refuses the App for good (bad
 * credentials, no access); a plain Error (retried later by the runner) for the rest: 5xx and
 * rate limits that the octokit plugins already retried, a network failure, a commit GitHub
 * does not know yet.
 */
function classify(err: unknown, at: WorkflowAt, path: string): Error | 'absent' {
  const e = (err ?? {}) as Failure;
  const said = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  const where = `${at.owner}/${at.repo}@${at.sha}`;
  if (e.status === 404 && isTokenMint(err))
    return new PermanentError(
      `GitHub does not know installation ${at.installationId} of the App (uninstalled?): 404 ${said}`,
    );
  // Right after a push the Contents API may not see the commit yet; the file is not absent.
  if (e.status === 404 && /no commit found/i.test(said))
    return new Error(`GitHub does not know ${where} yet: 404 ${said}`);
  if (e.status === 404) return 'absent';
  if ((e.status === 401 || e.status === 403) && !isRateLimit(e)) {
    const whose = isTokenMint(err)
      ? `the App's credentials (GITHUB_APP_ID, GITHUB_APP_KEY) for installation ${at.installationId}`
      : `installation ${at.installationId} access to ${path} of ${where}`;
    return new PermanentError(`GitHub refused ${whose}: ${e.status} ${said}`);
  }
  return new Error(`reading ${path} of ${where} failed${e.status ? `: ${e.status}` : ''}: ${said}`);
}
