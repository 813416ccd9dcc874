import { randomUUID } from 'node:crypto';
import {
  errorMessage,
  mayHaveHappened,
  type InstallationLookup,
  type JobEnvelope,
  type Logger,
} from '@solstice/shared';
import type { ChecksClient, RunPlace } from './adapters/checks-client.js';
import type { CheckStore } from './adapters/check-store.js';
import { queuedStep, type CheckRecord } from './check-record.js';
import { queuedCheckRun } from './check-run-for.js';
import type { ReporterMetrics } from './reporter-metrics.js';

export interface QueuedDeps {
  store: CheckStore;
  checks: ChecksClient;
  installations: InstallationLookup;
  checkName: string;
  log: Logger;
  metrics?: ReporterMetrics;
  /** How long to wait for another copy's claim to settle before leaving the entry for a retry. */
  waitMs?: number;
  pollMs?: number;
}

export type QueuedOutcome = 'created' | 'adopted' | 'duplicate' | 'completed-first';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the queued Check Run of a confirmed JobRequest, once per request_id: the record
 * is claimed first, so a duplicate entry, a second copy or a result that came first never
 * leads to a second run, and a completed run is never set back to queued.
 */
export async function createQueuedCheckRun(
  envelope: JobEnvelope,
  d: QueuedDeps,
): Promise<QueuedOutcome> {
  const job = envelope.job;
  const run = queuedCheckRun(envelope, d.checkName);
  const base: CheckRecord = {
    request_id: job.request_id,
    state: 'creating',
    // A fork PR builds the fork's commit; its run lives on the event's (base) repository.
    owner: envelope.check_repository.owner,
    repo: envelope.check_repository.name,
    head_sha: job.commit_sha,
    name: run.name,
    delivery: envelope.delivery,
    ...(envelope.workflow_error ? { workflow_error: envelope.workflow_error } : {}),
    ...(envelope.installation_id === null ? {} : { installation_id: envelope.installation_id }),
  };

  const token = randomUUID();
  const deadline = Date.now() + (d.waitMs ?? 5000);
  for (;;) {
    const claim = await d.store.claim(base, token);
    if (claim.kind !== 'held') return create(claim.kind === 'took-over');
    const step = queuedStep(claim.record);
    if (step === 'duplicate') {
      d.log.info({ check_run_id: claim.record.check_run_id }, 'queued Check Run exists already');
      return 'duplicate';
    }
    if (step === 'completed') {
      await renameLateRun(claim.record);
      return 'completed-first';
    }
    if (Date.now() > deadline)
      throw new Error('another copy is creating this Check Run; the entry is retried later');
    await sleep(d.pollMs ?? 100);
  }

  async function create(tookOver: boolean): Promise<QueuedOutcome> {
    let place: RunPlace | undefined;
    try {
      place = {
        owner: base.owner,
        repo: base.repo,
        installationId:
          base.installation_id ?? (await d.installations.installationFor(base.owner, base.repo)),
      };
      // A claim left by a dead copy: it may have created the run before it died.
      const found = tookOver
        ? await d.checks.findByExternalId(place, base.head_sha, base.request_id)
        : undefined;
      const made = found ?? (await d.checks.create(place, run));
      const state = made.status === 'completed' ? 'completed' : 'queued';
      const held = await d.store.settle(
        { ...base, state, installation_id: place.installationId, check_run_id: made.id },
        token,
      );
      if (held)
        d.log.warn({ check_run_id: made.id, held: held.state }, 'claim was taken over meanwhile');
      if (found) {
        d.log.info({ check_run_id: made.id }, 'found the Check Run a dead copy created');
        return 'adopted';
      }
      d.metrics?.checkRunsCreated.inc({ status: 'queued' });
      d.log.info({ check_run_id: made.id, name: run.name }, 'queued Check Run created');
      return 'created';
    } catch (err) {
      await d.store.release(base.request_id, token, place !== undefined && mayHaveHappened(err));
      throw err;
    }
  }

  /** A result came first and created the run under a placeholder name: give it the job's name. */
  async function renameLateRun(record: CheckRecord): Promise<void> {
    d.log.info({ check_run_id: record.check_run_id }, 'result came first; the run stays completed');
    if (record.name === run.name || record.check_run_id === undefined) return;
    try {
      const installationId =
        record.installation_id ??
        (await d.installations.installationFor(record.owner, record.repo));
      await d.checks.update(
        { owner: record.owner, repo: record.repo, installationId },
        record.check_run_id,
        { name: run.name },
      );
      await d.store.put({ ...record, name: run.name, delivery: envelope.delivery });
    } catch (err) {
      // Only the name is at stake: the run already shows the result.
      d.log.warn({ err: errorMessage(err) }, 'could not give the completed run its job name');
    }
  }
}
