import type { CheckRecord, Logger } from '@solstice/shared';
import { createMayHaveHappened, writeFailure } from './write-failure.js';
import type { TurnDeps } from './write-turn.js';

/**
 * A GitHub call of a writer's turn failed: the installation pauses (rate limit), the job is
 * tried again later in its place (it counts an attempt), or it is given up: dead-lettered
 * with the reason and taken off the queue. Then the lease goes back.
 */
export async function failed(
  record: CheckRecord,
  inst: string,
  token: string,
  err: unknown,
  creating: boolean,
  d: TurnDeps,
  log: Logger,
): Promise<void> {
  let f = writeFailure(err, record.attempts, d.retry, Date.now());
  if (f.kind === 'giveup' && !(await giveUp(record, f.reason, d))) {
    // The dead letter did not go out (no confirm channel): keep the job and try later.
    f = {
      kind: 'retry',
      afterMs: d.retry.baseMs,
      reason: `${f.reason} (dead letter not sent yet)`,
    };
  }
  const keepInflight = creating && createMayHaveHappened(err);
  await d.writers.fail(inst, token, record.request_id, { ...f, keepInflight, error: f.reason });
  if (f.kind === 'giveup') {
    d.metrics?.givenUp.inc({ want: record.want ?? 'none' });
    log.error({ reason: f.reason, want: record.want }, 'Check Run write given up; dead-lettered');
  } else {
    d.metrics?.writeFailures.inc({ kind: f.kind });
    log.warn(
      {
        attempts: record.attempts + (f.kind === 'retry' ? 1 : 0),
        ...f,
        keepInflight,
      },
      f.kind === 'pause'
        ? 'installation paused by a rate limit'
        : 'Check Run write failed; tried again later',
    );
  }
}

/** Dead-letters what a job wanted: its JobResult to the results DLQ, else its JobRequest entry. */
async function giveUp(record: CheckRecord, reason: string, d: TurnDeps): Promise<boolean> {
  if (record.want === 'completed') {
    const body = record.result ?? JSON.stringify({ request_id: record.request_id });
    return d.dead.result(body, reason, record.request_id);
  }
  await d.dead.checksEntry(record, reason);
  return true;
}
