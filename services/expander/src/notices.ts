import { noticeIdFor, noticeRunName, type Notice, type NoticeAction } from '@solstice/shared';
import { APP_PERMISSIONS_DOCS } from './adapters/classify-failure.js';
import type { BuildTarget } from './event-target.js';
import { WORKFLOW_PATH } from './to-job-requests.js';

/** The button of a run waiting for approval; its click is a check_run requested_action. */
export const APPROVE_ACTION: NoticeAction = {
  label: 'Approve and run',
  identifier: 'solstice-approve',
  description: "Run this fork's jobs on the CI runners",
};

/** What the notice runs are named after (noticeRunName) and keyed by (noticeIdFor). */
export const APPROVAL_RUN = 'fork approval';
export const PERMISSIONS_RUN = 'App permissions';

/** Where a notice about `target` (from the event of `delivery`) lives. */
interface About {
  delivery: string;
  target: BuildTarget;
  checkName: string;
  at: number;
}

type Kind = typeof APPROVAL_RUN | typeof PERMISSIONS_RUN;

function notice(
  a: About,
  kind: Kind,
  state: Pick<Notice, 'status' | 'conclusion' | 'output' | 'actions'>,
): Notice {
  return {
    schema_version: 'notice.v1',
    notice_id: noticeIdFor(a.delivery, kind === APPROVAL_RUN ? 'approval' : 'contents'),
    owner: a.target.repository.owner,
    repo: a.target.repository.name,
    head_sha: a.target.sha,
    installation_id: a.target.installationId ?? null,
    name: noticeRunName(a.checkName, kind),
    delivery: a.delivery,
    at: a.at,
    ...state,
  };
}

const base = (t: BuildTarget) => `${t.repository.owner}/${t.repository.name}`;

function whoAsks(t: BuildTarget): string {
  const pr = t.pullRequest;
  const who = pr?.author ? `@${pr.author}` : 'its author';
  const association = pr?.association ? ` (${pr.association.toLowerCase()})` : '';
  return (
    `This pull request${pr?.number ? ` #${pr.number}` : ''} comes from the fork ` +
    `${t.repoOwner}/${t.repoName}, and ${who}${association} is not an owner, member or ` +
    `collaborator of ${base(t)}.`
  );
}

function waitingSummary(t: BuildTarget): string {
  return [
    whoAsks(t),
    '',
    `Its jobs run the fork's \`${WORKFLOW_PATH}\` and scripts on the CI runners, so they wait ` +
      `until someone with write permission on ${base(t)} clicks **${APPROVE_ACTION.label}**. ` +
      'A new push to the pull request needs a new approval.',
  ].join('\n');
}

/** A fork pull request whose author is not trusted: one queued run with the approve button. */
export function waitingNotice(a: About): Notice {
  return notice(a, APPROVAL_RUN, {
    status: 'queued',
    output: { title: 'Waiting for approval', summary: waitingSummary(a.target) },
    actions: [APPROVE_ACTION],
  });
}

/** A click by a user whose permission does not release the jobs: still waiting, with a note. */
export function refusedNotice(a: About, user: string, permission: string): Notice {
  const note =
    `**@${user} has ${permission} permission on ${base(a.target)}: approving needs write, ` +
    'maintain or admin.** The jobs still wait for approval.';
  return notice(a, APPROVAL_RUN, {
    status: 'queued',
    output: { title: 'Waiting for approval', summary: `${note}\n\n${waitingSummary(a.target)}` },
    actions: [APPROVE_ACTION],
  });
}

/** The click released the jobs: the run completes, its button gone. */
export function approvedNotice(a: About, user: string, jobs: number): Notice {
  return notice(a, APPROVAL_RUN, {
    status: 'completed',
    conclusion: 'success',
    output: {
      title: `Approved by @${user}`,
      summary: `@${user} approved this commit of the fork ${a.target.repoOwner}/${a.target.repoName}: ${jobs} job${jobs === 1 ? '' : 's'} queued.`,
    },
    actions: [],
  });
}

/** FORK_PULL_REQUESTS=never: the run says why nothing builds. */
export function neverNotice(a: About): Notice {
  return notice(a, APPROVAL_RUN, {
    status: 'completed',
    conclusion: 'neutral',
    output: {
      title: 'Fork pull requests do not build here',
      summary: `${whoAsks(a.target)}\n\nThis CI does not build pull requests from forks of untrusted authors (FORK_PULL_REQUESTS=never).`,
    },
  });
}

/** The App may not read the workflow file: the commit shows why nothing builds. */
export function contentsNotice(a: About, answer: string): Notice {
  const repo = base(a.target);
  return notice(a, PERMISSIONS_RUN, {
    status: 'completed',
    conclusion: 'failure',
    output: {
      title: `The App needs Contents: read on ${repo}`,
      summary: [
        `The App needs Contents: read on ${repo} to read \`${WORKFLOW_PATH}\`, so nothing was built for this commit.`,
        '',
        `An owner of the App can add the permission (Settings → Developer settings → GitHub Apps → Permissions), then accept it on the installation; see [GitHub's docs on App permissions](${APP_PERMISSIONS_DOCS}). Push again afterwards.`,
        '',
        `GitHub answered: ${answer}`,
      ].join('\n'),
    },
  });
}
