import {
  checkRunNameOf,
  type CheckIdentity,
  type JobResult,
  type NoticeAction,
} from '@solstice/shared';

/** A job's run ends success or failure; a notice's may be neutral too. */
export type Conclusion = 'success' | 'failure' | 'neutral';

export const conclusionOf = (result: JobResult): Conclusion =>
  result.success ? 'success' : 'failure';

// https://docs.github.com/en/rest/checks/runs#create-a-check-run: output.summary and
// output.text are limited to 65535 characters.
export const SUMMARY_LIMIT = 65_535;

export interface CheckRunOutput {
  title: string;
  summary: string;
}

/** The body of POST /repos/{owner}/{repo}/check-runs. */
export interface NewCheckRun {
  name: string;
  head_sha: string;
  external_id: string;
  status: 'queued' | 'completed';
  conclusion?: Conclusion;
  completed_at?: string;
  details_url?: string;
  output: CheckRunOutput;
  actions?: NoticeAction[];
}

/** The body of PATCH /repos/{owner}/{repo}/check-runs/{id} that completes a run. */
export interface CheckRunCompletion {
  status: 'completed';
  conclusion: Conclusion;
  completed_at: string;
  details_url?: string;
  output: CheckRunOutput;
}

/** What a notice run's write sends (create or update): always its actions, [] for none. */
export interface NoticeChange {
  status: 'queued' | 'completed';
  conclusion?: Conclusion;
  completed_at?: string;
  output: CheckRunOutput;
  actions: NoticeAction[];
}

/** The body of an update: a job's completion, or a notice's new state. */
export type CheckRunChange = CheckRunCompletion | NoticeChange;

export interface CompletionOptions {
  logsBaseUrl: string | undefined;
  /** Where the uploaded log can be read, when it was uploaded. */
  logUrl?: string;
  /** The expander's reason the workflow file could not be used: it stays visible on completion. */
  workflowError?: string;
}

/** Cuts text to `limit` characters, saying how much was cut; never splits a surrogate pair. */
export function cutSummary(text: string, limit = SUMMARY_LIMIT): string {
  if (text.length <= limit) return text;
  const note = `\n\n… (cut: ${text.length - limit} more characters not shown)`;
  let end = Math.max(0, limit - note.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + note;
}

/** The queued Check Run of a confirmed JobRequest, from its record. */
export function queuedCheckRun(record: CheckIdentity, checkName: string): NewCheckRun {
  const job = record.job;
  const lines = [
    job?.runs_on ? `Runs on \`${job.runs_on}\`.` : "Runs on the orchestrator's default runner.",
    `Request \`${record.request_id}\`.`,
  ];
  if (job?.workflow_path && record.job_id)
    lines.push(`Job \`${record.job_id}\` of \`${job.workflow_path}\`.`);
  if (record.workflow_error) lines.push('', `**Workflow problem:** ${record.workflow_error}`);
  return {
    name: checkRunNameOf(record, checkName),
    head_sha: record.head_sha,
    external_id: record.request_id,
    status: 'queued',
    output: {
      title: record.workflow_error ? 'Queued (workflow problem)' : 'Queued',
      summary: cutSummary(lines.join('\n')),
    },
  };
}

/** A run created already completed: its result came before the queued run was written. */
export function completedNewCheckRun(
  record: CheckIdentity,
  checkName: string,
  completion: CheckRunCompletion,
): NewCheckRun {
  return {
    name: checkRunNameOf(record, checkName),
    head_sha: record.head_sha,
    external_id: record.request_id,
    ...completion,
  };
}

export function resultTitle(result: JobResult): string {
  return result.success ? 'Succeeded' : `Failed (exit ${result.exit_code})`;
}

export function detailsUrlFor(logsBaseUrl: string | undefined, requestId: string) {
  return logsBaseUrl ? `${logsBaseUrl}/jobs/${requestId}/logs` : undefined;
}

/** The update that completes a run with a JobResult. */
export function completedCheckRun(result: JobResult, o: CompletionOptions): CheckRunCompletion {
  const problem = o.workflowError ? `\n\n**Workflow problem:** ${o.workflowError}` : '';
  const footer = problem + (o.logUrl ? `\n\n[Full log](${o.logUrl})` : '');
  const text =
    result.summary?.trim() ||
    (result.success ? 'The job succeeded.' : `The job failed with exit code ${result.exit_code}.`);
  const details = detailsUrlFor(o.logsBaseUrl, result.request_id);
  return {
    status: 'completed',
    conclusion: conclusionOf(result),
    // GitHub wants ISO 8601; a normalised UTC time also survives any offset the orchestrator used.
    completed_at: new Date(result.completed_at).toISOString(),
    ...(details ? { details_url: details } : {}),
    output: {
      title: resultTitle(result),
      summary: cutSummary(text, SUMMARY_LIMIT - footer.length) + footer,
    },
  };
}
