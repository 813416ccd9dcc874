import {
  exhaustedUntil,
  ReplicasShortError,
  type CheckRecord,
  type InstallationLookup,
  type Logger,
} from '@solstice/shared';
import type { ChecksClient, RunPlace } from './adapters/checks-client.js';
import type { DeadLetters } from './adapters/dead-letters.js';
import type { RecordStore } from './adapters/record-store.js';
import type { WriterStore } from './adapters/writer-store.js';
import { planWrite, type WritePlan } from './plan-write.js';
import type { ReporterMetrics } from './reporter-metrics.js';
import { failed } from './write-failed.js';
import type { WriteRetry } from './write-failure.js';

export interface TurnDeps {
  writers: WriterStore;
  records: RecordStore;
  checks: ChecksClient;
  installations: InstallationLookup;
  dead: DeadLetters;
  checkName: string;
  retry: WriteRetry;
  log: Logger;
  metrics?: ReporterMetrics;
}

type Write = Extract<WritePlan, { kind: 'create' | 'update' }>;

/**
 * One turn of installation `inst`'s writer, holding its lease (`token`): the job at the head
 * of its queue gets what it needs next (at most one write), then the lease goes back and the
 * installation waits on the schedule for its next write time. Turns of one job at a time keep
 * every copy's view the same (everything is in Redis) and let a copy that dies be replaced
 * as soon as its lease lapses.
 */
export async function writeTurn(inst: string, token: string, d: TurnDeps): Promise<void> {
  const id = await d.writers.head(inst);
  if (id === undefined) return d.writers.settle(inst, token, '');
  const log = d.log.child({ installation: inst, request_id: id });
  // A lookup (a read) may come before the write, so a job is planned at most twice.
  for (let step = 0; step < 2; step++) {
    const record = await d.records.get(id);
    if (!record) {
      log.warn('job has no record any more (expired): left out');
      return d.writers.settle(inst, token, id);
    }
    const plan = planWrite(record, inst, d.checkName);
    const where = record.delivery ? log.child({ delivery: record.delivery }) : log;
    switch (plan.kind) {
      case 'none':
        return d.writers.settle(inst, token, id);
      case 'move':
        await d.writers.move(id, inst, plan.to);
        return d.writers.settle(inst, token, '');
      case 'resolve':
        return resolve(record, inst, token, d, where);
      case 'lookup': {
        let found;
        try {
          found = await d.checks.findByExternalId(placeOf(record, inst), record.head_sha, id);
        } catch (err) {
          return failed(record, inst, token, err, false, d, where);
        }
        await d.writers.adopt(id, found);
        where.info(
          { check_run_id: found?.id },
          found ? 'found the run of a lost create' : 'no run made by the lost create',
        );
        continue;
      }
      default:
        return write(record, plan, inst, token, d, where);
    }
  }
  return d.writers.settle(inst, token, '');
}

/** Where the job's run lives; `inst` is its queue's installation (planWrite checked they agree). */
const placeOf = (record: CheckRecord, inst: string): RunPlace => ({
  owner: record.owner,
  repo: record.repo,
  installationId: Number(inst),
});

async function write(
  record: CheckRecord,
  plan: Write,
  inst: string,
  token: string,
  d: TurnDeps,
  log: Logger,
): Promise<void> {
  const creating = plan.kind === 'create';
  let begun;
  try {
    begun = await d.writers.begin(inst, token, record.request_id, creating);
  } catch (err) {
    // The create's mark is on the primary only: not created now, looked up on the next turn.
    if (err instanceof ReplicasShortError) return failed(record, inst, token, err, true, d, log);
    throw err;
  }
  if (begun.kind === 'lost')
    return log.warn('writer lease lost before the write; left to its holder');
  if (begun.kind === 'wait') return d.writers.settle(inst, token, '');
  let runId: number;
  let status: string;
  let headers: Record<string, unknown>;
  try {
    if (creating) {
      const made = await d.checks.create(placeOf(record, inst), plan.run);
      ({ id: runId, status } = made.value);
      headers = made.headers;
    } else {
      ({ headers } = await d.checks.update(placeOf(record, inst), plan.runId, plan.change));
      runId = plan.runId;
      status = plan.change.status;
    }
  } catch (err) {
    return failed(record, inst, token, err, creating, d, log);
  }
  const pausedUntil = exhaustedUntil(headers, Date.now());
  await d.writers.done(inst, token, record.request_id, {
    version: plan.version,
    runId,
    status,
    ...(pausedUntil ? { pausedUntil } : {}),
  });
  d.metrics?.writes.inc({ installation: inst, kind: plan.kind });
  if (creating) d.metrics?.checkRunsCreated.inc({ status });
  if (status === 'completed' && record.conclusion)
    d.metrics?.checkRunsCompleted.inc({ conclusion: record.conclusion });
  log.info(
    { check_run_id: runId, write: plan.kind, status, ...(pausedUntil ? { pausedUntil } : {}) },
    creating ? `Check Run created ${status}` : 'Check Run completed',
  );
}

/** Looks the installation up (App JWT: no installation budget) and queues the job there. */
async function resolve(
  record: CheckRecord,
  inst: string,
  token: string,
  d: TurnDeps,
  log: Logger,
): Promise<void> {
  let installationId: number;
  try {
    installationId = await d.installations.installationFor(record.owner, record.repo);
  } catch (err) {
    return failed(record, inst, token, err, false, d, log);
  }
  await d.writers.move(record.request_id, inst, String(installationId));
  log.info({ installation_id: installationId }, 'installation found; job queued there');
  return d.writers.settle(inst, token, '');
}
