import {
  errorMessage,
  isPermanent,
  parseJson,
  validateJobResult,
  type Disposition,
  type JobResult,
  type Logger,
} from '@solstice/shared';
import { completeCheckRun, type ResultDeps, type ResultOutcome } from './complete-check-run.js';
import type { ReporterMetrics } from './reporter-metrics.js';

const UUID = /"request_id"\s*:\s*"([0-9a-f-]{36})"/i;

/**
 * Parses and validates a JobResult and shows it on GitHub. Never throws: bad input and
 * final GitHub refusals are dead-lettered with the reason, anything else is retried.
 */
export async function handleResultMessage(
  content: Buffer,
  complete: (result: JobResult, log: Logger) => Promise<ResultOutcome>,
  log: Logger,
  metrics?: ReporterMetrics,
): Promise<Disposition<ResultOutcome>> {
  const text = content.toString('utf8');
  let result: JobResult;
  try {
    result = validateJobResult(parseJson(text, 'JobResult'));
  } catch (err) {
    // The request_id, when one can be seen, lets an operator find the job.
    const reason = errorMessage(err);
    log.error(
      { request_id: UUID.exec(text)?.[1], reason, bytes: content.length },
      'invalid JobResult dead-lettered',
    );
    metrics?.jobResults.inc({ outcome: 'invalid' });
    return { action: 'dead', reason };
  }
  const child = log.child({ request_id: result.request_id });
  try {
    const outcome = await complete(result, child);
    metrics?.jobResults.inc({
      outcome: outcome === 'created' ? 'completed' : outcome,
    });
    return { action: 'ack', outcome };
  } catch (err) {
    const reason = errorMessage(err);
    if (isPermanent(err)) {
      child.error({ reason }, 'JobResult dead-lettered: GitHub refused it for good');
      metrics?.jobResults.inc({ outcome: 'rejected' });
      return { action: 'dead', reason };
    }
    child.warn({ reason }, 'JobResult not shown yet; it stays unacked and is retried');
    metrics?.jobResults.inc({ outcome: 'retried' });
    return { action: 'retry', reason };
  }
}

/** The consumer's handler: each message's JobResult completed with `d` (completeCheckRun). */
export function resultMessageHandler(
  d: ResultDeps,
): (msg: { content: Buffer }) => Promise<Disposition<ResultOutcome>> {
  return (msg) =>
    handleResultMessage(
      msg.content,
      (result, log) => completeCheckRun(result, { ...d, log }),
      d.log,
      d.metrics,
    );
}
