import type { JobRequest, OutgoingMessage } from '@solstice/shared';

/**
 * The AMQP message of a JobRequest: exactly the wire fields of DESIGN.md "Messages" (nothing
 * the stream entry may carry besides), with message_id = request_id so consumers can drop a
 * duplicate publish.
 */
export function toJobMessage(job: JobRequest): OutgoingMessage {
  const wire: JobRequest = {
    schema_version: job.schema_version,
    request_id: job.request_id,
    group_id: job.group_id,
    source: job.source,
    repo_url: job.repo_url,
    repo_owner: job.repo_owner,
    repo_name: job.repo_name,
    commit_sha: job.commit_sha,
    workflow_path: job.workflow_path,
    workflow_job_id: job.workflow_job_id,
    runs_on: job.runs_on,
    script_path: job.script_path,
    submitted_at: job.submitted_at,
  };
  return { messageId: job.request_id, body: Buffer.from(JSON.stringify(wire)) };
}
