import type { Route, RouteContext, RouteResult } from '../server.js';

/** A Check Run as the stand-in keeps it: GitHub's fields plus where it lives and its history. */
export interface StandInCheckRun {
  id: number;
  owner: string;
  repo: string;
  installationId: number | undefined;
  head_sha: string;
  external_id: string | null;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** The buttons the run shows (requested actions). */
  actions: { label: string; identifier: string; description: string }[];
  /** Every state the run was in, oldest first: tests assert a run never went back to queued. */
  history: { status: string; conclusion: string | null }[];
}

/** The Check Runs the stand-in holds; tests read it directly. */
export class CheckRunStore {
  readonly runs = new Map<number, StandInCheckRun>();
  private nextId = 4_000_000_001;

  all(): StandInCheckRun[] {
    return [...this.runs.values()];
  }

  withExternalId(externalId: string): StandInCheckRun[] {
    return this.all().filter((r) => r.external_id === externalId);
  }

  add(
    run: Omit<StandInCheckRun, 'id' | 'history' | 'actions'> & {
      actions?: StandInCheckRun['actions'];
    },
  ): StandInCheckRun {
    const stored: StandInCheckRun = {
      actions: [],
      ...run,
      id: this.nextId++,
      history: [{ status: run.status, conclusion: run.conclusion }],
    };
    this.runs.set(stored.id, stored);
    return stored;
  }
}

// https://docs.github.com/en/rest/checks/runs — what an App may set.
const STATUSES = ['queued', 'in_progress', 'completed'];
const CONCLUSIONS = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
];
const TEXT_LIMIT = 65_535;
const SHA = /^[0-9a-f]{40}$/i;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DOCS = 'https://docs.github.com/rest/checks/runs';

type Body = Record<string, unknown>;

const invalid = (why: string): RouteResult => ({
  status: 422,
  body: { message: `Invalid request.\n\n${why}`, documentation_url: DOCS },
});
const notFound: RouteResult = {
  status: 404,
  body: { message: 'Not Found', documentation_url: DOCS },
};

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** GitHub's problems with the writable fields of a create or update, or undefined. */
function problemWith(body: Body, creating: boolean): string | undefined {
  if (creating && (typeof body.name !== 'string' || body.name === ''))
    return '"name" wasn\'t supplied.';
  if (body.name !== undefined && typeof body.name !== 'string') return '"name" is not a string.';
  if (creating && (typeof body.head_sha !== 'string' || !SHA.test(body.head_sha)))
    return typeof body.head_sha === 'string'
      ? 'No commit found for SHA: ' + body.head_sha
      : '"head_sha" wasn\'t supplied.';
  if (body.status !== undefined && !STATUSES.includes(body.status as string))
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- echoes the JSON value sent, as GitHub does
    return `"${String(body.status)}" is not a valid status (${STATUSES.join(', ')}).`;
  if (
    body.conclusion !== undefined &&
    body.conclusion !== null &&
    !CONCLUSIONS.includes(body.conclusion as string)
  )
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- echoes the JSON value sent, as GitHub does
    return `"${String(body.conclusion)}" is not a valid conclusion.`;
  for (const f of ['started_at', 'completed_at']) {
    if (body[f] !== undefined && (typeof body[f] !== 'string' || !TIME.test(body[f])))
      return `"${f}" is not a timestamp.`;
  }
  for (const f of ['external_id', 'details_url']) {
    if (body[f] !== undefined && typeof body[f] !== 'string') return `"${f}" is not a string.`;
  }
  if (body.actions !== undefined) {
    if (!Array.isArray(body.actions)) return '"actions" is not an array.';
    if (body.actions.length > 3) return '"actions" has more than 3 items.';
    for (const a of body.actions as Body[]) {
      for (const [f, max] of [
        ['label', 20],
        ['identifier', 20],
        ['description', 40],
      ] as const) {
        if (typeof a?.[f] !== 'string' || a[f] === '')
          return `"${f}" wasn't supplied in "actions".`;
        if (a[f].length > max) return `"${f}" is too long (maximum is ${max} characters).`;
      }
    }
  }
  if (body.output !== undefined) {
    const o = body.output as Body | null;
    if (typeof o !== 'object' || o === null) return '"output" is not an object.';
    if (typeof o.title !== 'string' || typeof o.summary !== 'string')
      return '"title" and "summary" are required in "output".';
    if (o.summary.length > TEXT_LIMIT)
      return `"summary" is too long (maximum is ${TEXT_LIMIT} characters).`;
    if (o.text !== undefined && (typeof o.text !== 'string' || o.text.length > TEXT_LIMIT))
      return `"text" is too long (maximum is ${TEXT_LIMIT} characters).`;
  }
  return undefined;
}

/** The status and conclusion after a write: a conclusion completes the run (as on GitHub). */
function settle(
  body: Body,
  current: Pick<StandInCheckRun, 'status' | 'conclusion'>,
): { status: string; conclusion: string | null } | string {
  const conclusion = (body.conclusion as string | null | undefined) ?? current.conclusion;
  const status = body.conclusion ? 'completed' : ((body.status as string) ?? current.status);
  if (status === 'completed' && !conclusion)
    return '"conclusion" is required when "status" is "completed".';
  return { status, conclusion: status === 'completed' ? conclusion : null };
}

function json(run: StandInCheckRun, ctx: RouteContext) {
  const base = ctx.standIn.url;
  const { owner, repo, installationId: _i, history: _h, ...fields } = run;
  return {
    ...fields,
    node_id: Buffer.from(`CheckRun${run.id}`).toString('base64'),
    url: `${base}/repos/${owner}/${repo}/check-runs/${run.id}`,
    html_url: `https://github.com/${owner}/${repo}/runs/${run.id}`,
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${base}/repos/${owner}/${repo}/check-runs/${run.id}/annotations`,
    },
    check_suite: { id: 5_000_000_000 + (run.id % 1000) },
    app: { id: ctx.appId, slug: 'solstice-ci', name: 'Solstice CI' },
    pull_requests: [],
  };
}

/** The installation token must be for an installation that covers owner/repo. */
function mayWrite(ctx: RouteContext): boolean {
  const inst = ctx.standIn.installationFor(ctx.params.owner!, ctx.params.repo!);
  return inst !== undefined && inst.id === ctx.installationId;
}

function findRun(store: CheckRunStore, ctx: RouteContext): StandInCheckRun | undefined {
  const run = store.runs.get(Number(ctx.params.id));
  if (!run) return undefined;
  const same =
    run.owner.toLowerCase() === ctx.params.owner!.toLowerCase() &&
    run.repo.toLowerCase() === ctx.params.repo!.toLowerCase();
  return same ? run : undefined;
}

const outputOf = (body: Body, current?: StandInCheckRun['output']): StandInCheckRun['output'] => {
  const o = body.output as Body | undefined;
  if (!o) return current ?? { title: null, summary: null, text: null };
  return {
    title: o.title as string,
    summary: o.summary as string,
    text: (o.text as string | undefined) ?? null,
  };
};

/**
 * The Checks API routes (create, update, get, list for a commit) with GitHub's validation;
 * runs are kept in `store`.
 */
export function checkRoutes(store: CheckRunStore): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/repos/:owner/:repo/check-runs',
      auth: 'token',
      handle: (ctx) => {
        if (!mayWrite(ctx)) return notFound;
        const body = (ctx.body ?? {}) as Body;
        const problem = problemWith(body, true);
        if (problem) return invalid(problem);
        const state = settle(body, { status: 'queued', conclusion: null });
        if (typeof state === 'string') return invalid(state);
        const run = store.add({
          owner: ctx.params.owner!,
          repo: ctx.params.repo!,
          installationId: ctx.installationId,
          head_sha: body.head_sha as string,
          external_id: (body.external_id as string | undefined) ?? null,
          name: body.name as string,
          ...state,
          started_at: (body.started_at as string | undefined) ?? now(),
          completed_at:
            state.status === 'completed'
              ? ((body.completed_at as string | undefined) ?? now())
              : null,
          details_url: (body.details_url as string | undefined) ?? null,
          output: outputOf(body),
          actions: (body.actions as StandInCheckRun['actions'] | undefined) ?? [],
        });
        return { status: 201, body: json(run, ctx) };
      },
    },
    {
      method: 'PATCH',
      pattern: '/repos/:owner/:repo/check-runs/:id',
      auth: 'token',
      handle: (ctx) => {
        const run = mayWrite(ctx) ? findRun(store, ctx) : undefined;
        if (!run) return notFound;
        const body = (ctx.body ?? {}) as Body;
        const problem = problemWith(body, false);
        if (problem) return invalid(problem);
        const state = settle(body, run);
        if (typeof state === 'string') return invalid(state);
        const completing = state.status === 'completed' && run.status !== 'completed';
        Object.assign(run, state, {
          name: (body.name as string | undefined) ?? run.name,
          external_id: (body.external_id as string | undefined) ?? run.external_id,
          details_url: (body.details_url as string | undefined) ?? run.details_url,
          started_at: (body.started_at as string | undefined) ?? run.started_at,
          completed_at:
            state.status !== 'completed'
              ? null
              : ((body.completed_at as string | undefined) ??
                (completing ? now() : run.completed_at)),
          output: outputOf(body, run.output),
          actions: (body.actions as StandInCheckRun['actions'] | undefined) ?? run.actions,
        });
        run.history.push(state);
        return { status: 200, body: json(run, ctx) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/:owner/:repo/check-runs/:id',
      auth: 'token',
      handle: (ctx) => {
        const run = mayWrite(ctx) ? findRun(store, ctx) : undefined;
        return run ? { status: 200, body: json(run, ctx) } : notFound;
      },
    },
    {
      method: 'GET',
      pattern: '/repos/:owner/:repo/commits/:ref/check-runs',
      auth: 'token',
      handle: (ctx) => {
        if (!mayWrite(ctx)) return notFound;
        const q = ctx.query;
        const perPage = Math.min(Math.max(Number(q.get('per_page') ?? 30) || 30, 1), 100);
        const page = Math.max(Number(q.get('page') ?? 1) || 1, 1);
        let runs = store
          .all()
          .filter(
            (r) =>
              r.owner.toLowerCase() === ctx.params.owner!.toLowerCase() &&
              r.repo.toLowerCase() === ctx.params.repo!.toLowerCase() &&
              r.head_sha === ctx.params.ref,
          )
          .filter((r) => !q.has('check_name') || r.name === q.get('check_name'))
          .filter((r) => !q.has('status') || r.status === q.get('status'))
          // Every run here is taken to be the calling App's own.
          .filter(() => !q.has('app_id') || q.get('app_id') === String(ctx.appId))
          .sort((a, b) => b.id - a.id);
        if ((q.get('filter') ?? 'latest') === 'latest') {
          // GitHub's default: only the most recent run of each name.
          const seen = new Set<string>();
          runs = runs.filter((r) => !seen.has(r.name) && seen.add(r.name));
        }
        const slice = runs.slice((page - 1) * perPage, page * perPage);
        return {
          status: 200,
          body: {
            total_count: runs.length,
            check_runs: slice.map((r) => json(r, ctx)),
          },
        };
      },
    },
  ];
}
