import { describe, expect, it } from 'vitest';
import { PermanentError } from '@solstice/shared';
import { eventTarget, type EventSettings } from '../../src/event-target.js';
import {
  appWithAction as withAction,
  example,
  forkPullRequest,
} from '../../../../test/support/payloads.js';
import {
  SEED_CURL_BODY,
  SEED_PULL_REQUEST,
  SEED_PUSH,
  withSha,
} from '../../../../test/support/seed-payloads.js';

const settings: EventSettings = { checkName: 'Solstice CI', checkSuiteRequested: false };

const targetOf = (event: string, payload: unknown, s = settings) => {
  const found = eventTarget(event, payload, s);
  if ('skip' in found) throw new Error(`expected a target, got skip: ${found.skip}`);
  return found.target;
};
const skipOf = (event: string, payload: unknown, s = settings) => {
  const found = eventTarget(event, payload, s);
  if (!('skip' in found)) throw new Error('expected the event to build nothing');
  return found.skip;
};

describe('push', () => {
  const push = () => example('push', (p) => p.deleted === false && p.installation !== undefined);

  it('builds `after` of the repository, cloned by clone_url', () => {
    const p = push();
    expect(targetOf('push', p)).toEqual({
      repository: { owner: 'Codertocat', name: 'Hello-World' },
      sha: p.after,
      repoUrl: 'https://github.com/Codertocat/Hello-World.git',
      repoOwner: 'Codertocat',
      repoName: 'Hello-World',
      labels: [],
      installationId: 1,
    });
  });

  it('falls back to ssh_url and to owner.name', () => {
    const p = push();
    delete p.repository.clone_url;
    delete p.repository.owner.login;
    const t = targetOf('push', p);
    expect(t.repoUrl).toBe('git@github.com:Codertocat/Hello-World.git');
    expect(t.repoOwner).toBe('Codertocat');
  });

  it('ignores a branch deletion (deleted: true and an all-zero after)', () => {
    expect(
      skipOf(
        'push',
        example('push', (p) => p.deleted === true),
      ),
    ).toMatch(/deletion/);
    const p = push();
    p.after = '0'.repeat(40);
    expect(skipOf('push', p)).toMatch(/deletion/);
  });

  it.each(['[skip ci]', '[ci skip]', '[Skip CI]'])('skips a head commit saying %s', (marker) => {
    const p = push();
    p.head_commit.message = `Fix the README ${marker}\n\nmore words`;
    expect(skipOf('push', p)).toMatch(/skip CI/);
  });

  it('has no installation when the payload carries none', () => {
    const p = example('push', (p) => p.deleted === false && p.installation === undefined);
    expect(targetOf('push', p).installationId).toBeUndefined();
  });

  it('refuses a payload without its repository, naming the field', () => {
    const p = push();
    delete p.repository;
    expect(() => eventTarget('push', p, settings)).toThrow(PermanentError);
    expect(() => eventTarget('push', p, settings)).toThrow('invalid push payload: repository');
  });

  it('refuses an `after` that is not a commit id, naming the field', () => {
    const p = push();
    p.after = 'main; rm -rf /';
    expect(() => eventTarget('push', p, settings)).toThrow(
      'invalid push payload: after "main; rm -rf /" is not a commit id (40 or 64 hex digits)',
    );
  });

  it('refuses a repository without clone_url and ssh_url, naming both', () => {
    const p = push();
    delete p.repository.clone_url;
    delete p.repository.ssh_url;
    expect(() => eventTarget('push', p, settings)).toThrow(
      'invalid push payload: repository.clone_url and repository.ssh_url are missing (the URL a job clones)',
    );
  });
});

describe('pull_request', () => {
  it.each(['opened', 'synchronize', 'reopened'])('builds the head commit when %s', (action) => {
    const p = withAction('pull_request', action);
    expect(targetOf('pull_request', p)).toEqual({
      repository: { owner: 'Codertocat', name: 'Hello-World' },
      sha: p.pull_request.head.sha,
      repoUrl: 'https://github.com/Codertocat/Hello-World.git',
      repoOwner: 'Codertocat',
      repoName: 'Hello-World',
      labels: ['bug'],
      installationId: 1,
      pullRequest: { fork: false, association: 'OWNER', author: 'Codertocat', number: 2 },
    });
  });

  it.each(['closed', 'labeled', 'assigned'])('builds nothing when %s', (action) => {
    expect(skipOf('pull_request', withAction('pull_request', action))).toMatch(action);
  });

  it("builds a fork's commit from the fork, reading the workflow through the base repository", () => {
    const t = targetOf('pull_request', forkPullRequest());
    expect(t).toMatchObject({
      repository: { owner: 'Codertocat', name: 'Hello-World' },
      sha: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
      repoUrl: 'https://github.com/fork-owner/Hello-World.git',
      repoOwner: 'fork-owner',
      repoName: 'Hello-World',
      pullRequest: { fork: true, association: 'OWNER', author: 'Codertocat', number: 2 },
    });
  });

  it('is no fork for a head repository that differs only in case from the base', () => {
    const p = forkPullRequest();
    p.pull_request.head.repo.owner.login = 'codertocat';
    p.pull_request.head.repo.full_name = 'codertocat/hello-world';
    p.pull_request.head.repo.name = 'hello-world';
    expect(targetOf('pull_request', p).pullRequest?.fork).toBe(false);
  });

  it('refuses a head sha that is not a commit id, naming pull_request.head.sha', () => {
    const p = withAction('pull_request', 'opened');
    p.pull_request.head.sha = 'abc123';
    expect(() => eventTarget('pull_request', p, settings)).toThrow(
      'invalid pull_request payload: pull_request.head.sha "abc123" is not a commit id',
    );
  });

  it('builds nothing when the head repository was deleted', () => {
    const p = withAction('pull_request', 'opened');
    p.pull_request.head.repo = null;
    expect(skipOf('pull_request', p)).toMatch(/deleted/);
  });
});

describe('check_suite', () => {
  it('builds head_sha of the repository when re-requested', () => {
    const p = withAction('check_suite', 'rerequested');
    expect(targetOf('check_suite', p)).toMatchObject({
      repository: { owner: 'Codertocat', name: 'Hello-World' },
      sha: p.check_suite.head_sha,
      repoUrl: p.repository.clone_url,
      installationId: p.installation.id,
    });
  });

  it('builds on `requested` only with CHECK_SUITE_REQUESTED', () => {
    const p = withAction('check_suite', 'requested');
    expect(skipOf('check_suite', p)).toMatch(/requested/);
    expect(targetOf('check_suite', p, { ...settings, checkSuiteRequested: true }).sha).toBe(
      p.check_suite.head_sha,
    );
  });

  it('builds nothing when completed', () => {
    expect(skipOf('check_suite', example('check_suite'))).toMatch(/completed/);
  });

  it('refuses a head_sha that is not a commit id, naming check_suite.head_sha', () => {
    const p = withAction('check_suite', 'rerequested');
    p.check_suite.head_sha = 'HEAD';
    expect(() => eventTarget('check_suite', p, settings)).toThrow(
      'invalid check_suite payload: check_suite.head_sha "HEAD" is not a commit id',
    );
  });
});

describe('check_run', () => {
  const rerequested = (name: string) => {
    const p = withAction('check_run', 'rerequested');
    p.check_run.name = name;
    return p;
  };

  it('re-runs the one job its name `<GITHUB_CHECK_NAME> / <job id>` names', () => {
    const p = rerequested('Solstice CI / test');
    expect(targetOf('check_run', p)).toMatchObject({
      sha: p.check_run.head_sha,
      repository: { owner: 'github', name: 'hello-world' },
      only: { jobId: 'test' },
    });
  });

  it('re-runs the single job of a run without workflow (named just GITHUB_CHECK_NAME)', () => {
    expect(targetOf('check_run', rerequested('Solstice CI')).only).toEqual({ jobId: null });
  });

  it('builds nothing for a check run that is not ours', () => {
    expect(skipOf('check_run', withAction('check_run', 'rerequested'))).toMatch(/randscape/);
  });

  it('builds nothing when created or completed', () => {
    expect(skipOf('check_run', example('check_run'))).toMatch(/created/);
  });

  it('re-runs the job its record names, at its commit, whatever the run is called', () => {
    const p = rerequested('Old CI name / whatever');
    const sha = 'c'.repeat(40);
    const found = eventTarget('check_run', p, settings, { jobId: 'lint', sha });
    expect('target' in found && found.target).toMatchObject({ sha, only: { jobId: 'lint' } });
    const single = eventTarget('check_run', p, settings, { jobId: null, sha });
    expect('target' in single && single.target.only).toEqual({ jobId: null });
    // A run an older reporter made from a result, under a placeholder name.
    const placeholder = rerequested('Solstice CI (0b7e6c3e)');
    expect(skipOf('check_run', placeholder)).toMatch(/not one of ours/);
    const found2 = eventTarget('check_run', placeholder, settings, { jobId: 'test', sha });
    expect('target' in found2 && found2.target.only).toEqual({ jobId: 'test' });
  });

  it('builds nothing on a re-run of a notice run (fork approval, App permissions)', () => {
    const p = rerequested('Solstice CI / fork approval');
    const found = eventTarget('check_run', p, settings, {
      jobId: null,
      sha: 'c'.repeat(40),
      notice: true,
    });
    expect('skip' in found && found.skip).toMatch(/notice run builds nothing/);
  });

  it('leaves a requested action (a button click) to the approval, building nothing itself', () => {
    const p = withAction('check_run', 'requested_action');
    expect(skipOf('check_run', p)).toMatch(/approval click/);
  });
});

describe("the original integration's minimal payloads (its design note)", () => {
  const SHA = 'c0ffee'.repeat(6) + 'c0ff';
  const parsed = (text: string) => JSON.parse(text) as Record<string, unknown>;

  it('builds a push of only `after` and the clone and ssh URLs, owner and name from clone_url', () => {
    expect(targetOf('push', parsed(SEED_PUSH))).toEqual({
      repository: { owner: 'org', name: 'repo' },
      sha: '0123456789abcdef0123456789abcdef01234567',
      repoUrl: 'https://github.com/org/repo.git',
      repoOwner: 'org',
      repoName: 'repo',
      labels: [],
      installationId: undefined,
    });
  });

  it('builds a push of only `after`, repository.full_name and clone_url', () => {
    const p = {
      after: SHA,
      repository: { full_name: 'Octo-Org/Hello.World', clone_url: 'https://example.test/x.git' },
    };
    expect(targetOf('push', p)).toMatchObject({
      repository: { owner: 'Octo-Org', name: 'Hello.World' },
      repoUrl: 'https://example.test/x.git',
      repoOwner: 'Octo-Org',
      repoName: 'Hello.World',
    });
  });

  it('takes owner and name from ssh_url when that is the only URL', () => {
    const p = { after: SHA, repository: { ssh_url: 'ssh://git@ghes.example.com:2222/org/r.git' } };
    expect(targetOf('push', p)).toMatchObject({
      repository: { owner: 'org', name: 'r' },
      repoUrl: 'ssh://git@ghes.example.com:2222/org/r.git',
    });
  });

  it("builds a pull request of only the head's sha and repository URLs, on the head repository", () => {
    expect(targetOf('pull_request', parsed(withSha(SEED_PULL_REQUEST, SHA)))).toEqual({
      repository: { owner: 'org', name: 'repo' },
      sha: SHA,
      repoUrl: 'https://github.com/org/repo.git',
      repoOwner: 'org',
      repoName: 'repo',
      labels: [],
      installationId: undefined,
      pullRequest: { fork: false, association: undefined, author: undefined, number: undefined },
    });
  });

  it('puts a minimal pull request from a fork on its base repository when it gives one', () => {
    const p = parsed(withSha(SEED_PULL_REQUEST, SHA)) as { pull_request: Record<string, unknown> };
    p.pull_request.head = {
      sha: SHA,
      repo: { clone_url: 'https://github.com/fork/repo.git' },
    };
    p.pull_request.base = { repo: { full_name: 'org/repo' } };
    expect(targetOf('pull_request', p)).toMatchObject({
      repository: { owner: 'org', name: 'repo' },
      repoOwner: 'fork',
      repoUrl: 'https://github.com/fork/repo.git',
    });
  });

  it("refuses the note's pull request as written: its sha has 38 hex digits", () => {
    expect(() => eventTarget('pull_request', parsed(SEED_PULL_REQUEST), settings)).toThrow(
      new PermanentError(
        'invalid pull_request payload: pull_request.head.sha "89abcdef0123456789abcdef0123456789abcd" ' +
          'is not a commit id (40 or 64 hex digits)',
      ),
    );
  });

  it("refuses the note's curl smoke test body, naming every missing field", () => {
    expect(() => eventTarget('push', parsed(SEED_CURL_BODY), settings)).toThrow(
      new PermanentError(
        'invalid push payload: after "deadbeef" is not a commit id (40 or 64 hex digits); ' +
          'repository gives no owner and name: missing repository.owner.login, repository.name, ' +
          'repository.full_name, repository.clone_url, repository.ssh_url',
      ),
    );
  });
});

it('builds nothing for events it does not take', () => {
  expect(skipOf('ping', { zen: 'Keep it logically awesome.' })).toMatch(/ping/);
});

it('refuses a payload that is not an object', () => {
  expect(() => eventTarget('push', [1, 2], settings)).toThrow(/the payload is not an object/);
});
