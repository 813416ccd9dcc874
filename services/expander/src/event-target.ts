import { eventVerdict, jobIdOfCheckRun, PermanentError, type EventRules } from '@solstice/shared';

/** What one webhook asks to build. */
export interface BuildTarget {
  /**
   * The repository the event came from (the App's installation covers it): where the
   * workflow file is read and RUNS_ON_MAP is looked up. For a fork PR it is the base repo,
   * which serves the fork's head commit too.
   */
  repository: { owner: string; name: string };
  /** The commit, and the repository it lives in (the fork of a fork PR). */
  sha: string;
  repoUrl: string;
  repoOwner: string;
  repoName: string;
  /** Pull request labels (for `runs-on:<label>`). */
  labels: string[];
  installationId: number | undefined;
  /** check_run rerequested: only this job (null: the single job of a run without workflow). */
  only?: { jobId: string | null };
}

/** A target, or why the event builds nothing. */
export type EventTarget = { target: BuildTarget } | { skip: string };

export interface EventSettings extends EventRules {
  /** GITHUB_CHECK_NAME: check_run names are `<name> / <job id>` (checkRunName). */
  checkName: string;
}

type Obj = Record<string, unknown>;

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;
// https://docs.github.com/en/actions/managing-workflow-runs/skipping-workflow-runs
const SKIP_CI = /\[(skip ci|ci skip)\]/i;

/**
 * The commit an event asks to build, or why it asks for nothing: the shared event table
 * (eventVerdict) first, then what only the payload's content can say (`[skip ci]`, a deleted
 * fork, a check run not ours). A payload without the fields its event must have is a
 * PermanentError.
 */
export function eventTarget(event: string, payload: unknown, s: EventSettings): EventTarget {
  const p = new Payload(event, payload);
  const verdict = eventVerdict(event, p.root, s);
  if (verdict.kind === 'ping') return { skip: 'a ping builds nothing' };
  if (verdict.kind === 'skip') return { skip: verdict.reason };
  switch (event) {
    case 'push': {
      const after = p.str(p.root, 'after');
      const message = (p.root.head_commit as Obj | null | undefined)?.message;
      if (typeof message === 'string' && SKIP_CI.test(message))
        return { skip: 'the head commit message asks to skip CI' };
      return { target: p.target(p.root.repository, p.sha(after), p.root.repository, 'repository') };
    }
    case 'pull_request': {
      const pr = p.obj(p.root, 'pull_request');
      const head = p.obj(pr, 'head', 'pull_request.head');
      if (head.repo === null) return { skip: "the pull request's head repository was deleted" };
      const target = p.target(
        p.root.repository,
        p.sha(p.str(head, 'sha', 'pull_request.head.sha')),
        head.repo,
        'pull_request.head.repo',
      );
      const labels = Array.isArray(pr.labels) ? pr.labels : [];
      target.labels = labels
        .map((l) => (l as Obj | null)?.name)
        .filter((n): n is string => typeof n === 'string');
      return { target };
    }
    case 'check_suite': {
      const sha = p.sha(p.str(p.obj(p.root, 'check_suite'), 'head_sha', 'check_suite.head_sha'));
      return { target: p.target(p.root.repository, sha, p.root.repository, 'repository') };
    }
    case 'check_run': {
      const run = p.obj(p.root, 'check_run');
      const name = p.str(run, 'name', 'check_run.name');
      const jobId = jobIdOfCheckRun(s.checkName, name);
      if (jobId === undefined)
        return { skip: `check run '${name}' is not one of ours (GITHUB_CHECK_NAME)` };
      const sha = p.sha(p.str(run, 'head_sha', 'check_run.head_sha'));
      const target = p.target(p.root.repository, sha, p.root.repository, 'repository');
      target.only = { jobId };
      return { target };
    }
    default:
      // eventVerdict builds no other event.
      return { skip: `${event} events build nothing` };
  }
}

/** Field access that names the missing field in a PermanentError. */
class Payload {
  readonly root: Obj;

  constructor(
    private readonly event: string,
    payload: unknown,
  ) {
    this.root = this.asObj(payload, 'the payload');
  }

  private bad(what: string): never {
    throw new PermanentError(`invalid ${this.event} payload: ${what}`);
  }

  private asObj(value: unknown, path: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.bad(`${path} is not an object`);
    return value as Obj;
  }

  obj(o: Obj, key: string, path = key): Obj {
    return this.asObj(o[key], path);
  }

  str(o: Obj, key: string, path = key): string {
    const v = o[key];
    if (typeof v !== 'string' || v === '') this.bad(`${path} is missing`);
    return v;
  }

  sha(value: string): string {
    if (!SHA.test(value)) this.bad(`'${value.slice(0, 80)}' is not a commit sha`);
    return value.toLowerCase();
  }

  /** A target for `sha` in `repo` (with its URL and owner), from an event on `base`. */
  target(base: unknown, sha: string, repo: unknown, path: string): BuildTarget {
    const b = this.repository(base, 'repository');
    const r = this.repository(repo, path);
    const url = r.o.clone_url ?? r.o.ssh_url;
    if (typeof url !== 'string' || url === '') this.bad(`${path}.clone_url is missing`);
    const installation = this.root.installation as Obj | null | undefined;
    const id = installation?.id;
    return {
      repository: { owner: b.owner, name: b.name },
      sha,
      repoUrl: url,
      repoOwner: r.owner,
      repoName: r.name,
      labels: [],
      installationId: typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined,
    };
  }

  private repository(value: unknown, path: string): { o: Obj; owner: string; name: string } {
    const o = this.asObj(value, path);
    const owner = this.asObj(o.owner, `${path}.owner`);
    // Push payloads carry owner.name (and, today, owner.login); the others owner.login.
    const login = typeof owner.login === 'string' && owner.login ? owner.login : owner.name;
    if (typeof login !== 'string' || login === '') this.bad(`${path}.owner.login is missing`);
    return { o, owner: login, name: this.str(o, 'name', `${path}.name`) };
  }
}
