import { randomBytes, randomUUID } from 'node:crypto';
import type { JobEnvelope, JobRequest } from '@solstice/shared';

export interface SampleEnvelopeOptions {
  owner?: string;
  repo?: string;
  /** Default: a new random commit. */
  sha?: string;
  /** null: a JobRequest made without a workflow (one job, named after the check alone). */
  jobId?: string | null;
  requestId?: string;
  /** null: the event named no installation (the reporter looks it up). */
  installationId?: number | null;
  workflowError?: string;
  /** As the publisher stamps it on the `{P}:checks` entry. */
  publishedAt?: string;
  /** Any other JobRequest field. */
  job?: Partial<JobRequest>;
}

/**
 * A JobRequest envelope as the expander writes it to `{P}:jobs` (new ids each time), for
 * the tests and benches of the stages after it: octo-org/hello-world, job `build`.
 */
export function sampleEnvelope(o: SampleEnvelopeOptions = {}): JobEnvelope {
  const owner = o.owner ?? 'octo-org';
  const repo = o.repo ?? 'hello-world';
  const jobId = o.jobId === undefined ? 'build' : o.jobId;
  const envelope: JobEnvelope = {
    job: {
      schema_version: 'jobrequest.v1',
      request_id: o.requestId ?? randomUUID(),
      group_id: randomUUID(),
      source: 'github',
      repo_url: `https://github.com/${owner}/${repo}.git`,
      repo_owner: owner,
      repo_name: repo,
      commit_sha: o.sha ?? randomBytes(20).toString('hex'),
      workflow_path: jobId ? '.solstice/workflow.kdl' : null,
      workflow_job_id: jobId,
      runs_on: 'illumos-latest',
      script_path: jobId ? `.solstice/${jobId}.sh` : null,
      submitted_at: new Date().toISOString(),
      ...o.job,
    },
    delivery: randomUUID(),
    installation_id: o.installationId === undefined ? 7 : o.installationId,
    check_repository: { owner, name: repo },
    check_name: jobId ? `Solstice CI / ${jobId}` : 'Solstice CI',
    workflow_error: o.workflowError ?? '',
  };
  if (o.publishedAt !== undefined) envelope.published_at = o.publishedAt;
  return envelope;
}
