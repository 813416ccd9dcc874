import { envelopeFromFields, type Output } from '@solstice/shared';
import { createQueuedCheckRun, type QueuedDeps } from './create-queued-check-run.js';

/**
 * One `{P}:checks` entry (a confirmed JobRequest) → its queued Check Run; nothing is handed
 * on. An entry that does not parse is a PermanentError (dead-lettered with the reason).
 */
export async function handleChecksEntry(
  fields: Record<string, string>,
  d: QueuedDeps,
): Promise<Output[]> {
  const envelope = envelopeFromFields(fields);
  const log = d.log.child({ request_id: envelope.job.request_id, delivery: envelope.delivery });
  await createQueuedCheckRun(envelope, { ...d, log });
  return [];
}
