import { randomBytes } from 'node:crypto';
import { pushExample, type Payload, type Pipeline } from '@solstice/github-standin/harness';

/** A repository of the bench and the installation of the App on it. */
export interface BenchRepo {
  owner: string;
  repo: string;
  installationId: number;
}

/** GitHub's push example moved to `r` at a new commit whose workflow is `workflow`. */
export function pushTo(
  p: Pipeline,
  r: BenchRepo,
  workflow: string,
): { sha: string; payload: Payload } {
  const sha = randomBytes(20).toString('hex');
  p.contents.put(r.owner, r.repo, sha, '.solstice/workflow.kdl', workflow);
  const base = pushExample();
  /* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- a webhook example, untyped JSON (Payload) */
  const payload: Payload = {
    ...base,
    after: sha,
    head_commit: { ...base.head_commit, id: sha },
    repository: {
      ...base.repository,
      name: r.repo,
      full_name: `${r.owner}/${r.repo}`,
      owner: { ...base.repository.owner, login: r.owner, name: r.owner },
      clone_url: `https://github.com/${r.owner}/${r.repo}.git`,
    },
    installation: { id: r.installationId },
  };
  /* eslint-enable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */
  return { sha, payload };
}

/** A workflow of `n` jobs (job-0 … job-n-1). */
export const workflowOf = (n: number): string =>
  `workflow name="CI" {\n${Array.from({ length: n }, (_, i) => `    job "job-${i}" script=".solstice/job-${i}.sh"\n`).join('')}}\n`;

/** The kind of a GitHub call, by method and path. */
export function callKind(method: string, path: string): string {
  if (path.endsWith('/access_tokens')) return 'token';
  if (path.includes('/contents/')) return 'contents';
  if (path.endsWith('/installation')) return 'installation';
  if (/\/check-runs\/\d+$/.test(path)) return method === 'PATCH' ? 'update run' : 'get run';
  if (path.includes('/check-runs')) return method === 'POST' ? 'create run' : 'list runs';
  return 'other';
}

export const CHECK_RUN_CALLS = new Set(['create run', 'update run', 'list runs', 'get run']);

/** Calls of the stand-in since `from` (an index into its log), counted by kind. */
export function callsByKind(p: Pipeline, from: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of p.standIn.calls.slice(from)) {
    const kind = callKind(c.method, c.path);
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

export const sum = (counts: Record<string, number>, only?: Set<string>): number =>
  Object.entries(counts)
    .filter(([k]) => !only || only.has(k))
    .reduce((a, [, n]) => a + n, 0);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
