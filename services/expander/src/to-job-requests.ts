import {
  checkRunName,
  groupIdFor,
  requestIdFor,
  type JobEnvelope,
  type JobRequest,
} from '@solstice/shared';
import type { BuildTarget } from './event-target.js';
import type { WorkflowJob } from './parse-workflow.js';
import { runsOnFor, type RunsOnSettings } from './runs-on.js';

export const WORKFLOW_PATH = '.solstice/workflow.kdl';

/**
 * The job id behind the request_id of the single job a commit gets without a usable
 * workflow: requestIdFor(delivery, ''). A workflow job id is never empty, so the two
 * cannot collide.
 */
export const NO_WORKFLOW_JOB_ID = '';

/** What the commit's workflow file gave. */
export type WorkflowOutcome =
  | { kind: 'jobs'; jobs: WorkflowJob[] }
  /** No file, or none read (no App credentials). */
  | { kind: 'none' }
  /** A file that cannot be used: the reason travels as workflow_error. */
  | { kind: 'unusable'; reason: string };

export interface ExpandSettings {
  /** GITHUB_CHECK_NAME */
  checkName: string;
  runsOn: RunsOnSettings;
}

/**
 * One envelope per job of the workflow (one only for a check_run re-run), or a single job
 * with null workflow fields when there is no usable workflow. Ids come from the delivery,
 * so expanding the same stored event again gives the same ids.
 */
export function toJobRequests(o: {
  delivery: string;
  target: BuildTarget;
  workflow: WorkflowOutcome;
  settings: ExpandSettings;
  now: Date;
}): JobEnvelope[] {
  const { target, workflow } = o;
  const only = target.only;
  if (workflow.kind === 'jobs' && only?.jobId !== null) {
    const jobs =
      only === undefined ? workflow.jobs : workflow.jobs.filter((j) => j.id === only.jobId);
    return jobs.map((job) => envelope(o, job, ''));
  }
  // A re-run of one workflow job when the workflow no longer gives jobs: nothing to run.
  if (only !== undefined && only.jobId !== null) return [];
  const error = workflow.kind === 'unusable' ? `${WORKFLOW_PATH}: ${workflow.reason}` : '';
  return [envelope(o, undefined, error)];
}

function envelope(
  o: Parameters<typeof toJobRequests>[0],
  job: WorkflowJob | undefined,
  workflowError: string,
): JobEnvelope {
  const { target, delivery, settings } = o;
  const request: JobRequest = {
    schema_version: 'jobrequest.v1',
    request_id: requestIdFor(delivery, job?.id ?? NO_WORKFLOW_JOB_ID),
    group_id: groupIdFor(delivery),
    source: 'github',
    repo_url: target.repoUrl,
    repo_owner: target.repoOwner,
    repo_name: target.repoName,
    commit_sha: target.sha,
    workflow_path: job ? WORKFLOW_PATH : null,
    workflow_job_id: job?.id ?? null,
    runs_on: runsOnFor({
      jobRunsOn: job?.runsOn ?? null,
      repository: `${target.repository.owner}/${target.repository.name}`,
      labels: target.labels,
      settings: settings.runsOn,
    }),
    script_path: job?.script ?? null,
    submitted_at: o.now.toISOString(),
  };
  return {
    job: request,
    delivery,
    installation_id: target.installationId ?? null,
    check_repository: target.repository,
    check_name: checkRunName(settings.checkName, job?.id ?? null),
    workflow_error: workflowError,
  };
}
