import { describe, expect, it } from 'vitest';
import { envelopeFromFields, noticeFromFields, requestIdFor, type Output } from '@solstice/shared';
import type { ApprovalStore, PendingApproval } from '../../src/adapters/approval-store.js';
import { ContentsRefused } from '../../src/adapters/classify-failure.js';
import type { Permission } from '../../src/adapters/permission-source.js';
import type { WorkflowSource } from '../../src/adapters/workflow-source.js';
import { expandEvent, type ExpandDeps } from '../../src/expand-event.js';
import type { ForkPolicy } from '../../src/fork-policy.js';
import { captureLogger } from '../../../../test/support/log.js';
import { example, forkPullRequest, type Payload } from '../../../../test/support/payloads.js';

const WORKFLOW = 'workflow { job "build"; job "test"; }';
const file: WorkflowSource = { read: async () => ({ state: 'file', text: WORKFLOW }) };

const stored = (event: string, payload: Payload, delivery: string) => ({
  delivery,
  hook_id: '123',
  event,
  content_type: 'application/json',
  body: JSON.stringify(payload),
  received_at: '2024-05-01T12:00:00.000Z',
});

/** An approval store in memory, and whose permissions GitHub would give. */
function deps(policy: ForkPolicy, roles: Record<string, Permission> = {}, source = file) {
  const pending = new Map<string, PendingApproval>();
  const decided = new Set<string>();
  const approvals: ApprovalStore = {
    save: async (id, p) => void pending.set(id, structuredClone(p)),
    load: async (id) => pending.get(id),
    decided: async (id) => decided.has(id),
  };
  const asked: string[] = [];
  let clock = 1_000;
  const d: ExpandDeps = {
    source,
    approvals,
    permissions: {
      of: async ({ owner, repo, user }) => {
        asked.push(`${owner}/${repo}:${user}`);
        return roles[user] ?? { permission: 'read', role_name: 'read' };
      },
    },
    settings: {
      checkName: 'Solstice CI',
      checkSuiteRequested: false,
      runsOn: { default: undefined, map: new Map() },
      limits: { maxBytes: 65_536, maxJobs: 256 },
      forkPullRequests: policy,
    },
    jobsStream: 'p:jobs',
    checksStream: 'p:checks',
    deadStream: 'p:events:dead',
    log: captureLogger().log,
    now: () => new Date(clock++),
  };
  return { d, pending, decided, asked };
}

const outsider = () => {
  const p = forkPullRequest();
  p.pull_request.author_association = 'FIRST_TIME_CONTRIBUTOR';
  return p;
};

const notices = (outputs: Output[]) =>
  outputs.filter((o) => o.stream === 'p:checks').map((o) => noticeFromFields(o.fields));
const jobs = (outputs: Output[]) =>
  outputs.filter((o) => o.stream === 'p:jobs').map((o) => envelopeFromFields(o.fields).job);

function clickOn(noticeId: string, user: string, identifier = 'solstice-approve'): Payload {
  const p = example('check_run', (e) => e.action === 'requested_action');
  const pr = forkPullRequest();
  p.repository = pr.repository;
  p.installation = pr.installation;
  p.check_run.external_id = noticeId;
  p.requested_action = { identifier };
  p.sender.login = user;
  return p;
}

describe('a fork pull request under FORK_PULL_REQUESTS', () => {
  it('approve: an untrusted author gets one waiting notice with the button, and no job', async () => {
    const { d, pending } = deps('approve');
    const outputs = await expandEvent(stored('pull_request', outsider(), 'pr-1'), d);
    expect(jobs(outputs)).toEqual([]);
    const [n, ...more] = notices(outputs);
    expect(more).toEqual([]);
    expect(n).toMatchObject({
      owner: 'Codertocat',
      repo: 'Hello-World',
      head_sha: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
      name: 'Solstice CI / fork approval',
      status: 'queued',
      actions: [{ label: 'Approve and run', identifier: 'solstice-approve' }],
    });
    expect(n!.output.summary).toContain('first_time_contributor');
    expect(pending.get(n!.notice_id)).toMatchObject({ delivery: 'pr-1' });
  });

  it('approve: an owner, member or collaborator builds at once', async () => {
    const outputs = await expandEvent(
      stored('pull_request', forkPullRequest(), 'pr-2'),
      deps('approve').d,
    );
    expect(jobs(outputs).map((j) => j.workflow_job_id)).toEqual(['build', 'test']);
    expect(notices(outputs)).toEqual([]);
  });

  it('always: builds at once', async () => {
    const outputs = await expandEvent(stored('pull_request', outsider(), 'pr-3'), deps('always').d);
    expect(jobs(outputs)).toHaveLength(2);
  });

  it('never: one neutral completed notice saying so, whoever the author', async () => {
    for (const p of [outsider(), forkPullRequest()]) {
      const outputs = await expandEvent(stored('pull_request', p, 'pr-4'), deps('never').d);
      expect(jobs(outputs)).toEqual([]);
      expect(notices(outputs)).toMatchObject([
        {
          status: 'completed',
          conclusion: 'neutral',
          output: { title: 'Fork pull requests do not build here' },
        },
      ]);
    }
  });

  it('the click of a read user leaves it waiting, with a note; a maintainer releases the same jobs', async () => {
    const roles = { boss: { permission: 'write', role_name: 'maintain' } };
    const { d, asked } = deps('approve', roles);
    const [waiting] = notices(await expandEvent(stored('pull_request', outsider(), 'pr-5'), d));
    const id = waiting!.notice_id;

    const refused = await expandEvent(stored('check_run', clickOn(id, 'someone'), 'c-1'), d);
    expect(jobs(refused)).toEqual([]);
    expect(notices(refused)).toMatchObject([
      { notice_id: id, status: 'queued', actions: [{ identifier: 'solstice-approve' }] },
    ]);
    expect(notices(refused)[0]!.output.summary).toMatch(
      /^\*\*@someone has read permission on Codertocat\/Hello-World/,
    );

    const approved = await expandEvent(stored('check_run', clickOn(id, 'boss'), 'c-2'), d);
    expect(asked).toEqual(['Codertocat/Hello-World:someone', 'Codertocat/Hello-World:boss']);
    // The ids of the pull request's delivery: as if it had built at once.
    expect(jobs(approved).map((j) => j.request_id)).toEqual(
      ['build', 'test'].map((j) => requestIdFor('pr-5', j)),
    );
    expect(jobs(approved)[0]).toMatchObject({
      repo_url: 'https://github.com/fork-owner/Hello-World.git',
      commit_sha: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    });
    const done = notices(approved)[0]!;
    expect(done).toMatchObject({
      notice_id: id,
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Approved by @boss' },
      actions: [],
    });
    expect(done.at).toBeGreaterThan(notices(refused)[0]!.at);
  });

  it('builds nothing for a click on another button, an unknown run, another repository, or one approved already', async () => {
    const { d, asked, decided } = deps('approve', { boss: { permission: 'admin' } });
    const [waiting] = notices(await expandEvent(stored('pull_request', outsider(), 'pr-6'), d));
    const id = waiting!.notice_id;
    expect(await expandEvent(stored('check_run', clickOn(id, 'boss', 'other'), 'c-3'), d)).toEqual(
      [],
    );
    const unknown = clickOn('00000000-0000-5000-8000-000000000000', 'boss');
    expect(await expandEvent(stored('check_run', unknown, 'c-4'), d)).toEqual([]);
    const elsewhere = clickOn(id, 'boss');
    elsewhere.repository = { ...elsewhere.repository, name: 'Other' };
    expect(await expandEvent(stored('check_run', elsewhere, 'c-5'), d)).toEqual([]);
    decided.add(id);
    expect(await expandEvent(stored('check_run', clickOn(id, 'boss'), 'c-6'), d)).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('a refused Contents read: a failed notice and a dead entry with the same reason, no job', async () => {
    const refused: WorkflowSource = {
      read: async (at) => {
        throw new ContentsRefused(
          `${at.owner}/${at.repo}`,
          403,
          'Resource not accessible by integration',
        );
      },
    };
    const { d } = deps('approve', {}, refused);
    const outputs = await expandEvent(stored('pull_request', forkPullRequest(), 'pr-7'), d, {
      id: '1-1',
      deliveries: 1,
    });
    expect(jobs(outputs)).toEqual([]);
    const [n] = notices(outputs);
    expect(n).toMatchObject({
      name: 'Solstice CI / App permissions',
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'The App needs Contents: read on Codertocat/Hello-World' },
    });
    const dead = outputs.find((o) => o.stream === 'p:events:dead')!;
    expect(dead.fields).toMatchObject({
      delivery: 'pr-7',
      event: 'pull_request',
      dead_source_id: '1-1',
      dead_group: 'expander',
      dead_error: expect.stringMatching(
        /^the App needs Contents: read on Codertocat\/Hello-World \(GitHub answered 403/,
      ),
    });
  });
});
