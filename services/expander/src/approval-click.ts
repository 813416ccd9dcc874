import { PermanentError, type Output } from '@solstice/shared';
import { buildJobs, noticeOutput, type EventContext, type ExpandDeps } from './build-jobs.js';
import { releases } from './fork-policy.js';
import { APPROVE_ACTION, approvedNotice, refusedNotice } from './notices.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;

/** A `check_run` `requested_action` delivery: a button on one of our runs was clicked. */
export const isApprovalClick = (event: string, payload: unknown): boolean =>
  event === 'check_run' && obj(payload)?.action === 'requested_action';

/**
 * "Approve and run" on a fork pull request's waiting run: the clicking user's permission on
 * the base repository is asked of GitHub; write, maintain or admin builds the commit's jobs
 * exactly as the pull request event would have (the same ids) and completes the run, anything
 * less leaves it waiting with a note. A click on no pending approval (expired, another App's
 * button, another repository) builds nothing.
 */
export async function approvalClick(
  payload: unknown,
  c: EventContext,
  d: ExpandDeps,
): Promise<Output[]> {
  const p = obj(payload)!;
  const identifier = obj(p.requested_action)?.identifier;
  const log = c.log;
  if (identifier !== APPROVE_ACTION.identifier) {
    log.info({ jobs: 0, identifier, reason: 'not our button' }, 'event builds nothing');
    return [];
  }
  const externalId = obj(p.check_run)?.external_id;
  const user = obj(p.sender)?.login;
  if (typeof externalId !== 'string' || externalId === '' || typeof user !== 'string' || !user)
    throw new PermanentError(
      'invalid check_run payload: check_run.external_id and sender.login are needed for an approval',
    );
  const pending = await d.approvals?.load(externalId);
  const repo = obj(p.repository);
  const owner = obj(repo?.owner)?.login;
  const t = pending?.target;
  const same =
    t !== undefined &&
    typeof owner === 'string' &&
    typeof repo?.name === 'string' &&
    owner.toLowerCase() === t.repository.owner.toLowerCase() &&
    repo.name.toLowerCase() === t.repository.name.toLowerCase();
  if (!pending || !t || !same) {
    log.warn(
      { jobs: 0, notice: externalId, user },
      'approval click for no pull request waiting here (expired, or another repository): nothing built',
    );
    return [];
  }
  if (await d.approvals!.decided(externalId)) {
    log.info({ jobs: 0, notice: externalId, user }, 'approved already: nothing built again');
    return [];
  }
  const installationId = t.installationId;
  if (!d.permissions || installationId === undefined)
    throw new PermanentError(
      `cannot ask GitHub for @${user}'s permission on ${t.repository.owner}/${t.repository.name} (no App installation)`,
    );
  const permission = await d.permissions.of({
    owner: t.repository.owner,
    repo: t.repository.name,
    user,
    installationId,
  });
  const about = {
    delivery: pending.delivery,
    target: t,
    checkName: d.settings.checkName,
    at: (d.now?.() ?? new Date()).getTime(),
  };
  const shown = permission.role_name ?? permission.permission ?? 'no';
  if (!releases(permission)) {
    log.warn({ jobs: 0, user, permission: shown, notice: externalId }, 'approval refused');
    return [noticeOutput(refusedNotice(about, user, shown), d)];
  }
  const built = await buildJobs(
    t,
    { ...c, delivery: pending.delivery, log: log.child({ approved_delivery: pending.delivery }) },
    d,
    { logged: { approved_by: user, permission: shown } },
  );
  return [...built.outputs, noticeOutput(approvedNotice(about, user, built.jobs), d)];
}
