import {
  envelopeToFields,
  errorMessage,
  isPermanent,
  noticeToFields,
  validateJobRequest,
  type InstallationLookup,
  type Logger,
  type Notice,
  type Output,
} from '@solstice/shared';
import type { ApprovalStore } from './adapters/approval-store.js';
import { ContentsRefused } from './adapters/classify-failure.js';
import type { PermissionSource } from './adapters/permission-source.js';
import type { WorkflowSource } from './adapters/workflow-source.js';
import type { BuildTarget, EventSettings, RerunJob } from './event-target.js';
import type { ExpanderMetrics } from './expander-metrics.js';
import type { ForkPolicy } from './fork-policy.js';
import { contentsNotice } from './notices.js';
import { parseWorkflow, type WorkflowLimits } from './parse-workflow.js';
import { toJobRequests, type ExpandSettings, type WorkflowOutcome } from './to-job-requests.js';

export interface ExpandDeps {
  /** undefined: no App credentials, so no workflow file is read. */
  source: WorkflowSource | undefined;
  /** Finds the installation of an event that names none; without it such an event's file is not read. */
  installations?: InstallationLookup;
  /** A clicking user's permission on the base repository (approval of a fork pull request). */
  permissions?: PermissionSource;
  /** Fork pull requests waiting for approval. */
  approvals?: ApprovalStore;
  settings: ExpandSettings &
    EventSettings & { limits: WorkflowLimits; forkPullRequests: ForkPolicy };
  /** `{P}:jobs` */
  jobsStream: string;
  /** `{P}:checks`: notice runs (waiting for approval, a missing permission) for the reporter. */
  checksStream: string;
  /** `{P}:events:dead`: an event whose workflow file the App may not read goes there too. */
  deadStream?: string;
  /** The job of a re-requested check run, from the record of its external_id. */
  rerunOf?: (event: string, payload: unknown) => Promise<RerunJob | undefined>;
  log: Logger;
  metrics?: ExpanderMetrics;
  now?: () => Date;
}

/** The stored event being handled: its fields, and its entry (for a dead entry of the same shape). */
export interface EventContext {
  /** The delivery the jobs' ids come from (a fork PR's own, for its approval click). */
  delivery: string;
  fields: Record<string, string>;
  entry?: { id: string; deliveries: number };
  log: Logger;
}

const NO_INSTALLATION = 'the event names no installation of the GitHub App';

/** A notice run as a `{P}:checks` entry for the reporter. */
export const noticeOutput = (n: Notice, d: ExpandDeps): Output => ({
  stream: d.checksStream,
  fields: noticeToFields(n),
});

/**
 * The target's `{P}:jobs` entries, from its commit's workflow file. When the App may not read
 * the file (no Contents permission), a failed notice run says so on the commit instead and
 * the event goes to `{P}:events:dead` with the same reason.
 */
export async function buildJobs(
  target: BuildTarget,
  c: EventContext,
  d: ExpandDeps,
  o: { noInstallation?: string; logged?: Record<string, unknown> } = {},
): Promise<{ outputs: Output[]; jobs: number }> {
  let workflow: WorkflowOutcome;
  try {
    workflow = await workflowOf(target, d, c.log, o.noInstallation);
  } catch (err) {
    if (err instanceof ContentsRefused)
      return { outputs: contentsRefused(err, target, c, d), jobs: 0 };
    throw err;
  }
  const envelopes = toJobRequests({
    delivery: c.delivery,
    target,
    workflow,
    settings: d.settings,
    now: d.now?.() ?? new Date(),
  });
  // The wire contract is checked here, where a bad payload can still be dead-lettered.
  for (const e of envelopes) validateJobRequest(e.job);
  c.log.info(
    {
      jobs: envelopes.length,
      request_ids: envelopes.map((e) => e.job.request_id),
      repo: `${target.repoOwner}/${target.repoName}`,
      sha: target.sha,
      ...o.logged,
      ...(envelopes.length === 0 ? { reason: 'the re-requested job is not in the workflow' } : {}),
    },
    'event expanded',
  );
  d.metrics?.jobRequestsEmitted.inc(envelopes.length);
  return {
    outputs: envelopes.map((e) => ({ stream: d.jobsStream, fields: envelopeToFields(e) })),
    jobs: envelopes.length,
  };
}

function contentsRefused(
  err: ContentsRefused,
  target: BuildTarget,
  c: EventContext,
  d: ExpandDeps,
): Output[] {
  const now = d.now?.() ?? new Date();
  const about = {
    delivery: c.delivery,
    target,
    checkName: d.settings.checkName,
    at: now.getTime(),
  };
  c.log.error(
    { reason: err.message },
    'the App may not read the workflow file: a failed Check Run says so, the event is dead-lettered',
  );
  const outputs = [noticeOutput(contentsNotice(about, err.answer), d)];
  if (d.deadStream)
    outputs.push({
      stream: d.deadStream,
      fields: {
        ...c.fields,
        dead_error: err.message,
        dead_source_id: c.entry?.id ?? '',
        dead_group: 'expander',
        dead_deliveries: String(c.entry?.deliveries ?? 1),
        dead_at: now.toISOString(),
      },
    });
  return outputs;
}

/**
 * The target with the installation its event names, else the App's installation on the
 * repository (the original integration's minimal payloads name none), else why there is none:
 * the workflow file is then not read. A lookup that may succeed later throws (a retry).
 */
export async function located(
  target: BuildTarget,
  d: ExpandDeps,
  log: Logger,
): Promise<{ target: BuildTarget; noInstallation?: string }> {
  if (target.installationId !== undefined || !d.source) return { target };
  if (!d.installations) return { target, noInstallation: NO_INSTALLATION };
  const { owner, name } = target.repository;
  try {
    const installationId = await d.installations.installationFor(owner, name);
    log.info({ installation: installationId }, 'the event names no installation: found it');
    return { target: { ...target, installationId } };
  } catch (err) {
    if (!isPermanent(err)) throw err;
    return { target, noInstallation: `${NO_INSTALLATION}, and ${errorMessage(err)}` };
  }
}

async function workflowOf(
  target: BuildTarget,
  d: ExpandDeps,
  log: Logger,
  noInstallation = NO_INSTALLATION,
): Promise<WorkflowOutcome> {
  if (!d.source) return { kind: 'none' };
  if (target.installationId === undefined) {
    const reason = `not read: ${noInstallation}`;
    log.warn({ reason }, 'workflow file not read');
    return { kind: 'unusable', reason };
  }
  const file = await d.source.read({
    owner: target.repository.owner,
    repo: target.repository.name,
    sha: target.sha,
    installationId: target.installationId,
  });
  if (file.state === 'absent') return { kind: 'none' };
  if (file.state === 'unusable') {
    log.warn({ reason: file.reason }, 'workflow file cannot be used');
    return { kind: 'unusable', reason: file.reason };
  }
  const parsed = parseWorkflow(file.text, d.settings.limits);
  if ('error' in parsed) {
    log.warn({ reason: parsed.error }, 'workflow file cannot be used');
    return { kind: 'unusable', reason: parsed.error };
  }
  log.info(
    { parser: parsed.parser, workflow_jobs: parsed.jobs.length },
    `workflow file read as ${parsed.parser === 'kdl2' ? 'KDL 2' : 'KDL 1'}`,
  );
  if (parsed.ignored.length > 0)
    log.debug(
      { ignored: parsed.ignored.slice(0, 20), count: parsed.ignored.length },
      'ignored in the workflow file',
    );
  return { kind: 'jobs', jobs: parsed.jobs };
}
