import { randomUUID } from 'node:crypto';
import {
  mayHaveHappened,
  type InstallationLookup,
  type JobResult,
  type Logger,
} from '@solstice/shared';
import type { ChecksClient, RunPlace } from './adapters/checks-client.js';
import type { CheckStore } from './adapters/check-store.js';
import type { LogUploader } from './adapters/log-uploader.js';
import { conclusionOf, resultStep, type CheckRecord } from './check-record.js';
import {
  completedCheckRun,
  completedOnlyCheckRun,
  type CheckRunCompletion,
} from './check-run-for.js';
import type { ReporterMetrics } from './reporter-metrics.js';

export interface ResultDeps {
  store: CheckStore;
  checks: ChecksClient;
  installations: InstallationLookup;
  uploader?: LogUploader;
  checkName: string;
  logsBaseUrl: string | undefined;
  log: Logger;
  metrics?: ReporterMetrics;
  /** How long to wait for a queued run another copy is creating right now. */
  waitMs?: number;
  pollMs?: number;
}

/** completed: an existing run was completed; created: a completed run was made for it. */
export type ResultOutcome = 'completed' | 'created' | 'duplicate' | 'stale';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Shows a JobResult on its Check Run: the run named by the record, else the commit's run
 * whose external_id is the request_id, else a new completed run. The record says
 * `completed` before this returns (and so before the message is acked): a late queued
 * entry then leaves the run alone, and a redelivered result is recognised.
 */
export async function completeCheckRun(result: JobResult, d: ResultDeps): Promise<ResultOutcome> {
  const deadline = Date.now() + (d.waitMs ?? 5000);
  for (;;) {
    const record = await d.store.get(result.request_id);
    const log = record?.delivery ? d.log.child({ delivery: record.delivery }) : d.log;
    if (record?.check_run_id !== undefined) return completeRecorded(result, record, d, log);
    const token = randomUUID();
    const base: CheckRecord = {
      request_id: result.request_id,
      state: 'creating',
      owner: record?.owner ?? result.repo_owner,
      repo: record?.repo ?? result.repo_name,
      head_sha: record?.head_sha ?? result.commit_sha,
      name:
        record?.name ?? completedOnlyCheckRun(result, d.checkName, { logsBaseUrl: undefined }).name,
      ...(record?.delivery ? { delivery: record.delivery } : {}),
      ...(record?.installation_id ? { installation_id: record.installation_id } : {}),
    };
    const claim = await d.store.claim(base, token);
    if (claim.kind !== 'held') return findOrCreate(result, base, token, d, log);
    // Held: either settled since we read it (read again), or another copy is creating the
    // queued run right now: wait for it rather than make a second one.
    if (claim.record.check_run_id === undefined) {
      if (Date.now() > deadline)
        throw new Error('the queued Check Run is still being created by another copy');
      await sleep(d.pollMs ?? 100);
    }
  }
}

async function placeOf(record: CheckRecord, d: ResultDeps): Promise<RunPlace> {
  return {
    owner: record.owner,
    repo: record.repo,
    installationId:
      record.installation_id ?? (await d.installations.installationFor(record.owner, record.repo)),
  };
}

async function completion(
  result: JobResult,
  record: CheckRecord | undefined,
  d: ResultDeps,
  log: Logger,
) {
  const logUrl = d.uploader ? await d.uploader.upload(result.request_id, log) : undefined;
  return completedCheckRun(result, {
    logsBaseUrl: d.logsBaseUrl,
    logUrl,
    ...(record?.workflow_error ? { workflowError: record.workflow_error } : {}),
  });
}

function completedRecord(
  record: CheckRecord,
  result: JobResult,
  place: RunPlace,
  checkRunId: number,
): CheckRecord {
  return {
    ...record,
    state: 'completed',
    installation_id: place.installationId,
    check_run_id: checkRunId,
    conclusion: conclusionOf(result),
    result_completed_at: result.completed_at,
  };
}

async function completeRecorded(
  result: JobResult,
  record: CheckRecord,
  d: ResultDeps,
  log: Logger,
): Promise<ResultOutcome> {
  const step = resultStep(record, result);
  if (step !== 'update') {
    log.info({ check_run_id: record.check_run_id, step }, 'result already shown; skipped');
    return step;
  }
  const place = await placeOf(record, d);
  const change = await completion(result, record, d, log);
  await d.checks.update(place, record.check_run_id!, change);
  await d.store.put(completedRecord(record, result, place, record.check_run_id!));
  d.metrics?.checkRunsCompleted.inc({ conclusion: change.conclusion });
  log.info(
    { check_run_id: record.check_run_id, conclusion: change.conclusion },
    'Check Run completed',
  );
  return 'completed';
}

async function findOrCreate(
  result: JobResult,
  base: CheckRecord,
  token: string,
  d: ResultDeps,
  log: Logger,
): Promise<ResultOutcome> {
  let place: RunPlace | undefined;
  try {
    place = await placeOf(base, d);
    const found = await d.checks.findByExternalId(place, base.head_sha, base.request_id);
    const change: CheckRunCompletion = await completion(result, base, d, log);
    let id: number;
    let name = base.name;
    if (found) {
      const shown = found.status === 'completed' && found.conclusion === change.conclusion;
      if (!shown) await d.checks.update(place, found.id, change);
      ({ id, name } = found);
    } else {
      const run = completedOnlyCheckRun(result, d.checkName, {
        logsBaseUrl: d.logsBaseUrl,
      });
      ({ id } = await d.checks.create(place, { ...run, ...change, name }));
      d.metrics?.checkRunsCreated.inc({ status: 'completed' });
    }
    const held = await d.store.settle(completedRecord({ ...base, name }, result, place, id), token);
    if (held) log.warn({ check_run_id: id, held: held.state }, 'claim was taken over meanwhile');
    d.metrics?.checkRunsCompleted.inc({ conclusion: change.conclusion });
    log.info(
      { check_run_id: id, conclusion: change.conclusion, found: found !== undefined },
      found ? 'Check Run found by external_id and completed' : 'completed Check Run created',
    );
    return found ? 'completed' : 'created';
  } catch (err) {
    await d.store.release(base.request_id, token, place !== undefined && mayHaveHappened(err));
    throw err;
  }
}
