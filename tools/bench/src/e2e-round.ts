import { randomBytes } from 'node:crypto';
import {
  SAMPLE_JOBS as JOBS,
  SAMPLE_WORKFLOW as WORKFLOW,
  pushExample,
  type Payload,
  type Pipeline,
} from '@solstice/github-standin/harness';
import { requestIdFor } from '@solstice/shared';
import type { CheckRunClock } from './check-run-clock.js';
import { residentMemory } from './resident-memory.js';
import { sampleBacklog } from './sample-backlog.js';
import { stageTimings, type StageTimings } from './stage-timings.js';
import { spread, type Spread } from './stats.js';

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';

export interface RoundOptions {
  /** Label of the stage copies, e.g. "1 each" or "2× reporter". */
  copies: string;
  /** Offered load: webhooks per second, sent open-loop (on schedule, not after answers). */
  rate: number;
  seconds: number;
  /** How long after the last send to wait for the last Check Run to complete. */
  drainMs: number;
}

export interface RoundResult {
  copies: string;
  offered: number;
  seconds: number;
  sent: number;
  accepted: number;
  completedWebhooks: number;
  completedJobs: number;
  /** Fully completed (every Check Run of the webhook completed) per second, from first send to last completion. */
  webhooksPerSec: number;
  jobsPerSec: number;
  /** webhook sent → JobRequest received by the orchestrator (its received_at). */
  toReceived: Spread;
  /** webhook sent → Check Run created queued at the stand-in. */
  toQueued: Spread;
  /** webhook sent → Check Run completed (includes the orchestrator's DEMO_JOB_MS). */
  toCompleted: Spread;
  githubCalls: Record<string, number>;
  githubCallsPerJob: number;
  stages: StageTimings;
  /** Most entries waiting (unread + pending) seen on each stage's input stream. */
  maxBacklog: Record<string, number>;
  rssMiB: Record<string, number>;
  drained: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function callKind(method: string, path: string): string {
  if (path.endsWith('/access_tokens')) return 'token';
  if (path.includes('/contents/')) return 'contents';
  if (/\/check-runs\/\d+$/.test(path)) return method === 'PATCH' ? 'update run' : 'get run';
  if (path.includes('/check-runs')) return method === 'POST' ? 'create run' : 'list runs';
  return 'other';
}

/** One open-loop round: `rate` signed pushes a second for `seconds`, each with a 3-job workflow. */
export async function runRound(
  p: Pipeline,
  clock: CheckRunClock,
  o: RoundOptions,
): Promise<RoundResult> {
  const base = pushExample();
  const total = Math.max(1, Math.round(o.rate * o.seconds));
  const sentAt = new Map<string, number>();
  const statuses: Promise<number>[] = [];
  const backlog = sampleBacklog(p, 250);
  const t0 = Date.now() + 20;
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / o.rate;
    await sleep(at - Date.now());
    const sha = randomBytes(20).toString('hex');
    p.contents.put(OWNER, REPO, sha, '.solstice/workflow.kdl', WORKFLOW);
    const payload: Payload = {
      ...base,
      after: sha,
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- a webhook example, untyped JSON (Payload)
      head_commit: { ...base.head_commit, id: sha },
      installation: { id: p.installationId },
    };
    statuses.push(
      p.send('push', payload).then(
        (d) => {
          sentAt.set(d.guid, at);
          return d.status_code;
        },
        () => 0,
      ),
    );
  }
  const codes = await Promise.all(statuses);
  const expected = [...sentAt.keys()].flatMap((guid) =>
    JOBS.map((job) => ({ guid, requestId: requestIdFor(guid, job) })),
  );
  const deadline = Date.now() + o.drainMs;
  const allDone = () => expected.every((e) => clock.completed.has(e.requestId));
  while (!allDone() && Date.now() < deadline) await sleep(50);
  const drained = allDone();
  const end = Date.now();
  const maxBacklog = await backlog.stop();

  const received = new Map<string, number>();
  for (const r of await p.received())
    if (!received.has(r.request_id)) received.set(r.request_id, Date.parse(String(r.received_at)));
  const since = (m: Map<string, number>) =>
    expected
      .filter((e) => m.has(e.requestId))
      .map((e) => m.get(e.requestId)! - sentAt.get(e.guid)!);
  const doneJobs = expected.filter((e) => clock.completed.has(e.requestId));
  const doneWebhooks = [...sentAt.keys()].filter((guid) =>
    JOBS.every((job) => clock.completed.has(requestIdFor(guid, job))),
  ).length;
  const last = Math.max(t0 + 1, ...doneJobs.map((e) => clock.completed.get(e.requestId)!));
  const spanS = (last - t0) / 1000;
  const githubCalls: Record<string, number> = {};
  for (const c of p.standIn.calls.filter((c) => c.at >= t0 && c.at <= end)) {
    const kind = callKind(c.method, c.path);
    githubCalls[kind] = (githubCalls[kind] ?? 0) + 1;
  }
  const callCount = Object.values(githubCalls).reduce((a, b) => a + b, 0);
  return {
    copies: o.copies,
    offered: o.rate,
    seconds: o.seconds,
    sent: total,
    accepted: codes.filter((c) => c === 202).length,
    completedWebhooks: doneWebhooks,
    completedJobs: doneJobs.length,
    webhooksPerSec: doneWebhooks / spanS,
    jobsPerSec: doneJobs.length / spanS,
    toReceived: spread(since(received)),
    toQueued: spread(since(clock.created)),
    toCompleted: spread(since(clock.completed)),
    githubCalls,
    githubCallsPerJob: doneJobs.length ? callCount / doneJobs.length : 0,
    stages: await stageTimings(p.redis, p.keys, t0 - 1000, sentAt, clock.created),
    maxBacklog,
    rssMiB: await residentMemory(p.processes),
    drained,
  };
}
