import { Pipeline, type Servers } from '@solstice/github-standin/harness';
import { requestIdFor } from '@solstice/shared';
import {
  CHECK_RUN_CALLS,
  callsByKind,
  pushTo,
  sleep,
  sum,
  workflowOf,
  type BenchRepo,
} from './bench-pushes.js';
import { cpuMs, cpuPer } from './process-cpu.js';

export const OWNER = 'Codertocat';

/** A whole pipeline (four stages and the demo orchestrator) with `repos`' installations. */
export async function pipelineWith(
  servers: Servers,
  label: string,
  env: Record<string, string>,
  repos: BenchRepo[],
  reporters = 1,
): Promise<Pipeline> {
  const p = new Pipeline({ ...servers, label, env: { LOG_LEVEL: 'warn', ...env } });
  for (const r of repos) p.installOn(r.installationId, r.owner, [r.repo]);
  await p.start();
  for (let k = 2; k <= reporters; k++) await p.waitReady([await p.startProcess('reporter')]);
  return p;
}

export interface Sent {
  repo: BenchRepo;
  requestIds: string[];
  at: number;
}

/** Sends one push to `repo` with an n-job workflow; the request_ids its jobs will have. */
export async function send(p: Pipeline, repo: BenchRepo, jobs: number): Promise<Sent> {
  const { payload } = pushTo(p, repo, workflowOf(jobs));
  const at = Date.now();
  const d = await p.send('push', payload);
  if (d.status_code !== 202) throw new Error(`push answered ${d.status_code}`);
  const requestIds = Array.from({ length: jobs }, (_, i) => requestIdFor(d.guid, `job-${i}`));
  return { repo, requestIds, at };
}

const completed = (p: Pipeline, id: string) =>
  p.checks.withExternalId(id).some((r) => r.status === 'completed');

/** Waits until every job is completed (or `timeoutMs`); false when some are not. */
export async function allDone(p: Pipeline, ids: string[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (ids.every((id) => completed(p, id))) return true;
    await sleep(100);
  }
  return ids.every((id) => completed(p, id));
}

/** Runs per job (1 is right) and whether every job was completed once. */
export function runsPerJob(
  p: Pipeline,
  ids: string[],
): { completedOnce: boolean; maxRuns: number } {
  const counts = ids.map((id) => p.checks.withExternalId(id).length);
  return {
    completedOnce: ids.every((id) => completed(p, id)) && counts.every((n) => n === 1),
    maxRuns: Math.max(0, ...counts),
  };
}

/** GitHub calls per job by kind, Check Run calls per job, all calls per job, since `from`. */
export function callsPerJob(p: Pipeline, from: number, jobs: number) {
  const calls = callsByKind(p, from);
  return {
    calls,
    checkRunCallsPerJob: sum(calls, CHECK_RUN_CALLS) / jobs,
    allCallsPerJob: sum(calls) / jobs,
  };
}

/** CPU ms per webhook of each stage while `work` runs (sending and draining `webhooks`). */
export async function cpuPerWebhook(
  p: Pipeline,
  webhooks: number,
  work: () => Promise<void>,
): Promise<Record<string, number>> {
  const before = await cpuMs(p.processes);
  await work();
  return cpuPer(before, await cpuMs(p.processes), webhooks);
}
