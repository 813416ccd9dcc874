import {
  envelopeToFields,
  errorMessage,
  isPermanent,
  payloadOf,
  rawEventFromFields,
  validateJobRequest,
  type InstallationLookup,
  type Logger,
  type Output,
} from '@solstice/shared';
import type { WorkflowSource } from './adapters/workflow-source.js';
import {
  eventTarget,
  type BuildTarget,
  type EventSettings,
  type RerunJob,
} from './event-target.js';
import type { ExpanderMetrics } from './expander-metrics.js';
import { parseWorkflow, type WorkflowLimits } from './parse-workflow.js';
import { toJobRequests, type ExpandSettings, type WorkflowOutcome } from './to-job-requests.js';

export interface ExpandDeps {
  /** undefined: no App credentials, so no workflow file is read. */
  source: WorkflowSource | undefined;
  /** Finds the installation of an event that names none; without it such an event's file is not read. */
  installations?: InstallationLookup;
  settings: ExpandSettings & EventSettings & { limits: WorkflowLimits };
  /** `{P}:jobs` */
  jobsStream: string;
  /** The job of a re-requested check run, from the record of its external_id. */
  rerunOf?: (event: string, payload: unknown) => Promise<RerunJob | undefined>;
  log: Logger;
  metrics?: ExpanderMetrics;
  now?: () => Date;
}

/**
 * One stored event → its `{P}:jobs` entries (none: the event builds nothing). A stored event
 * that cannot be read throws a PermanentError (dead-lettered with the reason); a GitHub
 * failure worth retrying throws a plain Error (the entry stays pending).
 */
export async function expandEvent(
  fields: Record<string, string>,
  d: ExpandDeps,
): Promise<Output[]> {
  const event = rawEventFromFields(fields);
  const log = d.log.child({ delivery: event.delivery, event: event.event });
  const payload = payloadOf(event);
  const rerun = await d.rerunOf?.(event.event, payload);
  const found = eventTarget(event.event, payload, d.settings, rerun);
  if ('skip' in found) {
    log.info({ jobs: 0, request_ids: [], reason: found.skip }, 'event builds nothing');
    return [];
  }
  const { target, noInstallation } = await located(found.target, d, log);
  const workflow = await workflowOf(target, d, log, noInstallation);
  const envelopes = toJobRequests({
    delivery: event.delivery,
    target,
    workflow,
    settings: d.settings,
    now: d.now?.() ?? new Date(),
  });
  // The wire contract is checked here, where a bad payload can still be dead-lettered.
  for (const e of envelopes) validateJobRequest(e.job);
  log.info(
    {
      jobs: envelopes.length,
      request_ids: envelopes.map((e) => e.job.request_id),
      repo: `${target.repoOwner}/${target.repoName}`,
      sha: target.sha,
      ...(target.only ? { rerun: target.only.jobId ?? '(no workflow)' } : {}),
      ...(target.only ? { rerun_found_by: rerun ? 'external_id' : 'name' } : {}),
      ...(envelopes.length === 0 ? { reason: 'the re-requested job is not in the workflow' } : {}),
    },
    'event expanded',
  );
  d.metrics?.jobRequestsEmitted.inc(envelopes.length);
  return envelopes.map((e) => ({ stream: d.jobsStream, fields: envelopeToFields(e) }));
}

const NO_INSTALLATION = 'the event names no installation of the GitHub App';

/**
 * The target with the installation its event names, else the App's installation on the
 * repository (the original integration's minimal payloads name none), else why there is none:
 * the workflow file is then not read. A lookup that may succeed later throws (a retry).
 */
async function located(
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
