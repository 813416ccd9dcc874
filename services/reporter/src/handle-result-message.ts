import {
  errorMessage,
  parseJson,
  validateJobResult,
  type Disposition,
  type JobResult,
  type Logger,
} from '@solstice/shared';
import type { DeadLetters } from './adapters/dead-letters.js';
import type { LogUploader } from './adapters/log-uploader.js';
import { installationMember, type RecordStore } from './adapters/record-store.js';
import { completedCheckRun, conclusionOf } from './check-run-for.js';
import type { ReporterMetrics } from './reporter-metrics.js';
import { newsOf, refusalOf } from './trust-result.js';

export interface ResultDeps {
  records: RecordStore;
  dead: DeadLetters;
  uploader?: LogUploader;
  logsBaseUrl: string | undefined;
  /** Work was queued: the writers look at the schedule now. */
  queued: () => void;
  log: Logger;
  metrics?: ReporterMetrics;
}

export type ResultOutcome = 'recorded' | 'duplicate' | 'stale' | 'invalid' | 'untrusted';

const UUID = /"request_id"\s*:\s*"([0-9a-f-]{36})"/i;

/**
 * One JobResult message: validated, trusted only for a request the pipeline published (its
 * record exists and agrees), its log copied (bounded), and the completed run it wants
 * recorded and queued for the installation's writer; then it is acked. Nothing here waits on
 * GitHub. A result refused goes to the results DLQ with the reason; only a Redis failure
 * leaves it unacked, to be tried again.
 */
export async function handleResultMessage(
  content: Buffer,
  d: ResultDeps,
): Promise<Disposition<ResultOutcome>> {
  const text = content.toString('utf8');
  let result: JobResult;
  try {
    result = validateJobResult(parseJson(text, 'JobResult'));
  } catch (err) {
    // The request_id, when one can be seen, lets an operator find the job.
    const requestId = UUID.exec(text)?.[1];
    d.log.error(
      { request_id: requestId, reason: errorMessage(err), bytes: content.length },
      'invalid JobResult dead-lettered',
    );
    return refuse(content, errorMessage(err), 'invalid', requestId, d);
  }
  const log = d.log.child({ request_id: result.request_id });
  try {
    const record = await d.records.get(result.request_id);
    const refusal = refusalOf(record, result);
    if (refusal !== undefined || !record) {
      log.error({ reason: refusal }, 'JobResult not trusted; dead-lettered');
      return refuse(content, refusal ?? '', 'untrusted', result.request_id, d);
    }
    const at = Date.parse(result.completed_at);
    const conclusion = conclusionOf(result);
    const news = newsOf(record, at, conclusion);
    if (news !== 'new' && record.shown_v >= record.want_v) return ack(news, d, log);
    const logUrl = d.uploader ? await d.uploader.upload(result.request_id, log) : undefined;
    const completion = completedCheckRun(result, {
      logsBaseUrl: d.logsBaseUrl,
      logUrl,
      ...(record.workflow_error ? { workflowError: record.workflow_error } : {}),
    });
    const outcome = await d.records.recordCompleted(
      result.request_id,
      installationMember(record.installation_id),
      { resultAt: at, conclusion, completion: JSON.stringify(completion), result: text },
    );
    if (outcome === 'gone') {
      log.error('the record expired meanwhile; dead-lettered');
      return refuse(content, 'no record any more (expired)', 'untrusted', result.request_id, d);
    }
    d.queued();
    return ack(outcome, d, log.child({ delivery: record.delivery, conclusion }));
  } catch (err) {
    log.warn({ reason: errorMessage(err) }, 'JobResult not recorded yet; it stays unacked');
    d.metrics?.jobResults.inc({ outcome: 'retried' });
    return { action: 'retry', reason: errorMessage(err) };
  }
}

function ack(
  outcome: 'recorded' | 'duplicate' | 'stale',
  d: ResultDeps,
  log: Logger,
): Disposition<ResultOutcome> {
  d.metrics?.jobResults.inc({ outcome });
  log.info({ outcome }, outcome === 'recorded' ? 'JobResult recorded' : `JobResult ${outcome}`);
  return { action: 'ack', outcome };
}

/** To the results DLQ with the reason in a header; a plain dead-letter (nack) if that fails. */
async function refuse(
  content: Buffer,
  reason: string,
  outcome: 'invalid' | 'untrusted',
  requestId: string | undefined,
  d: ResultDeps,
): Promise<Disposition<ResultOutcome>> {
  d.metrics?.jobResults.inc({ outcome });
  const sent = await d.dead.result(content, reason, requestId).catch(() => false);
  return sent ? { action: 'ack', outcome } : { action: 'dead', reason };
}
