import { payloadOf, rawEventFromFields, type Output } from '@solstice/shared';
import { approvalClick, isApprovalClick } from './approval-click.js';
import {
  buildJobs,
  located,
  noticeOutput,
  type EventContext,
  type ExpandDeps,
} from './build-jobs.js';
import { eventTarget, type BuildTarget } from './event-target.js';
import { forkDecision } from './fork-policy.js';
import { neverNotice, waitingNotice } from './notices.js';

export type { ExpandDeps } from './build-jobs.js';

/**
 * One stored event → its `{P}:jobs` entries (none: the event builds nothing), and the notice
 * runs it calls for on `{P}:checks` (a fork pull request waiting for approval; an App without
 * Contents permission). A stored event that cannot be read throws a PermanentError
 * (dead-lettered with the reason); a GitHub failure worth retrying throws a plain Error (the
 * entry stays pending). `entry`: the stream entry, for a dead entry written with the outputs.
 */
export async function expandEvent(
  fields: Record<string, string>,
  d: ExpandDeps,
  entry?: { id: string; deliveries: number },
): Promise<Output[]> {
  const event = rawEventFromFields(fields);
  const log = d.log.child({ delivery: event.delivery, event: event.event });
  const payload = payloadOf(event);
  const c: EventContext = { delivery: event.delivery, fields, entry, log };
  if (isApprovalClick(event.event, payload)) return approvalClick(payload, c, d);
  const rerun = await d.rerunOf?.(event.event, payload);
  const found = eventTarget(event.event, payload, d.settings, rerun);
  if ('skip' in found) {
    log.info({ jobs: 0, request_ids: [], reason: found.skip }, 'event builds nothing');
    return [];
  }
  const { target, noInstallation } = await located(found.target, d, log);
  const decision = target.pullRequest
    ? forkDecision(target.pullRequest, d.settings.forkPullRequests)
    : 'build';
  if (decision !== 'build') return held(decision, target, c, d);
  const only = target.only;
  const built = await buildJobs(target, c, d, {
    noInstallation,
    logged: only
      ? { rerun: only.jobId ?? '(no workflow)', rerun_found_by: rerun ? 'external_id' : 'name' }
      : {},
  });
  return built.outputs;
}

/** A fork pull request that does not build now: it waits for approval, or never builds. */
async function held(
  decision: 'approve' | 'never',
  target: BuildTarget,
  c: EventContext,
  d: ExpandDeps,
): Promise<Output[]> {
  const at = (d.now?.() ?? new Date()).getTime();
  const about = { delivery: c.delivery, target, checkName: d.settings.checkName, at };
  const pr = target.pullRequest;
  const fork = {
    fork: `${target.repoOwner}/${target.repoName}`,
    author: pr?.author,
    association: pr?.association,
  };
  if (decision === 'never') {
    c.log.info({ ...fork, jobs: 0 }, 'fork pull request not built (FORK_PULL_REQUESTS=never)');
    return [noticeOutput(neverNotice(about), d)];
  }
  const notice = waitingNotice(about);
  if (!d.approvals) throw new Error('no approval store: a fork pull request cannot wait');
  await d.approvals.save(notice.notice_id, { delivery: c.delivery, target });
  c.log.info(
    { ...fork, jobs: 0, notice: notice.notice_id, sha: target.sha },
    'fork pull request waits for approval',
  );
  return [noticeOutput(notice, d)];
}
