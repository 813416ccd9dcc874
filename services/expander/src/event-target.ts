import {
  commitShaOf,
  eventVerdict,
  jobIdOfCheckRun,
  PermanentError,
  repositoryOf,
  type EventRules,
} from '@solstice/shared';
import type { PullRequestFacts } from './fork-policy.js';

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
  /** A pull request event: what the fork policy reads (forkDecision). */
  pullRequest?: PullRequestFacts & { author: string | undefined; number: number | undefined };
}

/** The job a re-requested run belongs to, found by its external_id in the job's record. */
export interface RerunJob {
  /** null: the single job of a commit without a usable workflow. */
  jobId: string | null;
  sha: string;
  /** The run is a notice (approval, App permissions), not a job's: nothing to build again. */
  notice?: boolean;
}

/** A target, or why the event builds nothing. */
export type EventTarget = { target: BuildTarget } | { skip: string };

export interface EventSettings extends EventRules {
  /** GITHUB_CHECK_NAME: check_run names are `<name> / <job id>` (checkRunName). */
  checkName: string;
}

type Obj = Record<string, unknown>;

// https://docs.github.com/en/actions/managing-workflow-runs/skipping-workflow-runs
const SKIP_CI = /\[(skip ci|ci skip)\]/i;

/**
 * The commit an event asks to build, or why it asks for nothing: the shared event table
 * (eventVerdict) first, then what only the payload's content can say (`[skip ci]`, a deleted
 * fork, a check run not ours). A payload without the fields its event must have is a
 * PermanentError. `rerun`: the job of a re-requested run, found by its external_id; without
 * it (runs older than the records) the run's name says which job it was.
 */
export function eventTarget(
  event: string,
  payload: unknown,
  s: EventSettings,
  rerun?: RerunJob,
): EventTarget {
  const p = new Payload(event, payload);
  const verdict = eventVerdict(event, p.root, s);
  if (verdict.kind === 'ping') return { skip: 'a ping builds nothing' };
  if (verdict.kind === 'skip') return { skip: verdict.reason };
  switch (event) {
    case 'push': {
      const message = (p.root.head_commit as Obj | null | undefined)?.message;
      if (typeof message === 'string' && SKIP_CI.test(message))
        return { skip: 'the head commit message asks to skip CI' };
      return { target: p.target(p.at(p.root, 'after'), p.root.repository, 'repository') };
    }
    case 'pull_request': {
      const pr = p.obj(p.root, 'pull_request');
      const head = p.obj(pr, 'head', 'pull_request.head');
      if (head.repo === null) return { skip: "the pull request's head repository was deleted" };
      const target = p.target(
        p.at(head, 'sha', 'pull_request.head.sha'),
        head.repo,
        'pull_request.head.repo',
        baseOf(p.root, pr),
      );
      const labels = Array.isArray(pr.labels) ? pr.labels : [];
      target.labels = labels
        .map((l) => (l as Obj | null)?.name)
        .filter((n): n is string => typeof n === 'string');
      const from = `${target.repoOwner}/${target.repoName}`.toLowerCase();
      const into = `${target.repository.owner}/${target.repository.name}`.toLowerCase();
      const author = (pr.user as Obj | null | undefined)?.login;
      target.pullRequest = {
        fork: from !== into,
        association: typeof pr.author_association === 'string' ? pr.author_association : undefined,
        author: typeof author === 'string' ? author : undefined,
        number: typeof pr.number === 'number' ? pr.number : undefined,
      };
      return { target };
    }
    case 'check_suite': {
      const suite = p.obj(p.root, 'check_suite');
      const sha = p.at(suite, 'head_sha', 'check_suite.head_sha');
      return { target: p.target(sha, p.root.repository, 'repository') };
    }
    case 'check_run': {
      if (p.root.action === 'requested_action')
        return { skip: 'a requested action is an approval click (approvalClick), not a build' };
      if (rerun?.notice)
        return { skip: 'a re-run of a notice run builds nothing (approve it, or push again)' };
      const run = p.obj(p.root, 'check_run');
      const name = p.str(run, 'name', 'check_run.name');
      const jobId = rerun ? rerun.jobId : jobIdOfCheckRun(s.checkName, name);
      if (jobId === undefined)
        return { skip: `check run '${name}' is not one of ours (GITHUB_CHECK_NAME)` };
      const sha: Field = rerun
        ? { value: rerun.sha, path: 'the record of check_run.external_id' }
        : p.at(run, 'head_sha', 'check_run.head_sha');
      const target = p.target(sha, p.root.repository, 'repository');
      target.only = { jobId };
      return { target };
    }
    default:
      // eventVerdict builds no other event.
      return { skip: `${event} events build nothing` };
  }
}

/** A value of a payload and the field it was read from (named in a refusal). */
interface Field {
  value: unknown;
  path: string;
}

/**
 * The repository a pull request event comes from: `repository`, which GitHub always sends.
 * The original integration's minimal payloads carry only the head repository: then the base
 * repository, else the head one (a pull request within one repository).
 */
function baseOf(root: Obj, pr: Obj): Field | undefined {
  if (root.repository !== undefined) return { value: root.repository, path: 'repository' };
  const base = pr.base as Obj | null | undefined;
  if (base?.repo !== undefined) return { value: base.repo, path: 'pull_request.base.repo' };
  return undefined;
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

  /** The field `key` of `o`, named `path` in a refusal. */
  at(o: Obj, key: string, path = key): Field {
    return { value: o[key], path };
  }

  /**
   * A target for the commit `sha` in `repo` (its URL, owner and name), from an event on
   * `base` (by default `repo` itself). Every problem of the three is named in one refusal.
   */
  target(sha: Field, repo: unknown, path: string, base?: Field): BuildTarget {
    const problems: string[] = [];
    const commit = commitShaOf(sha.value, sha.path);
    if ('problem' in commit) problems.push(commit.problem);
    const head = repositoryOf(repo, path);
    if ('problem' in head) problems.push(head.problem);
    else if (head.repository.url === undefined)
      problems.push(`${path}.clone_url and ${path}.ssh_url are missing (the URL a job clones)`);
    const from = base ? repositoryOf(base.value, base.path) : head;
    if (base && 'problem' in from) problems.push(from.problem);
    if ('problem' in commit || 'problem' in head || 'problem' in from || !head.repository.url)
      this.bad(problems.join('; '));
    const installation = this.root.installation as Obj | null | undefined;
    const id = installation?.id;
    return {
      repository: { owner: from.repository.owner, name: from.repository.name },
      sha: commit.sha,
      repoUrl: head.repository.url,
      repoOwner: head.repository.owner,
      repoName: head.repository.name,
      labels: [],
      installationId: typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined,
    };
  }
}
