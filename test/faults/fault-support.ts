import { expect } from 'vitest';
import {
  Pipeline,
  SAMPLE_JOBS as JOBS,
  SAMPLE_WORKFLOW as WORKFLOW,
  type PipelineOptions,
  type StageName,
} from '@solstice/github-standin/harness';
import { requestIdFor } from '@solstice/shared';
import { newSha } from '../support/fixtures.js';
import { pushPayload } from '../support/payloads.js';
import { waitFor } from '../support/wait.js';

/**
 * The faults run at the stages' DEFAULT timings (claims, heartbeats, retries, leases): what
 * a user gets. Only the receiver's recovery sweep runs every second instead of every 5
 * minutes, so that deliveries GitHub failed to make are redelivered within a test.
 */
export const FAULT_ENV = {
  RECOVERY_INTERVAL_MS: '1000',
  LOG_LEVEL: 'info',
};

export interface Sent {
  guid: string;
  sha: string;
  status: number;
}

export async function startPipeline(
  o: Omit<PipelineOptions, 'label'> & { label?: string },
): Promise<Pipeline> {
  const p = new Pipeline({ label: 'fault', jobMs: 20, ...o, env: { ...FAULT_ENV, ...o.env } });
  p.install('Codertocat');
  try {
    await p.start();
  } catch (err) {
    await p.stop(); // the test never holds it: its processes would outlive the run
    throw err;
  }
  return p;
}

/** Sends `n` signed pushes, each a new commit with the 3-job workflow, `gapMs` apart. */
export async function sendPushes(p: Pipeline, n: number, gapMs = 50): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let i = 0; i < n; i++) {
    const sha = newSha();
    p.contents.put('Codertocat', 'Hello-World', sha, '.solstice/workflow.kdl', WORKFLOW);
    const d = await p.send('push', pushPayload(p.installationId, sha));
    sent.push({ guid: d.guid, sha, status: d.status_code });
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  return sent;
}

const INPUT = (p: Pipeline) => ({
  expander: p.keys.events,
  publisher: p.keys.jobs,
  reporter: p.keys.checks,
});

/** The entries of `stage`'s input pending for the copy with this pid (consumer host-pid). */
export async function pendingFor(
  p: Pipeline,
  stage: Exclude<StageName, 'receiver'>,
  pid: number,
): Promise<string[]> {
  const rows = (await p.redis
    .xpending(INPUT(p)[stage], stage, '-', '+', 100_000)
    .catch(() => [])) as [string, string][];
  return rows.filter(([, consumer]) => consumer.endsWith(`-${pid}`)).map(([id]) => id);
}

/**
 * Waits until none of `ids` is pending any more (handled and acked, by whichever copy) and
 * prints the time from the kill: the recovery time of that fault at default settings.
 */
export async function reportRecovery(
  p: Pipeline,
  stage: Exclude<StageName, 'receiver'>,
  ids: string[],
  killedAt: number,
): Promise<number> {
  const stream = INPUT(p)[stage];
  await waitFor(
    async () => {
      const rows = (await p.redis.xpending(stream, stage, '-', '+', 100_000)) as [string][];
      const still = new Set(rows.map(([id]) => id));
      return ids.every((id) => !still.has(id));
    },
    `the killed ${stage}'s ${ids.length} entries handled`,
    90_000,
    100,
  );
  const ms = Date.now() - killedAt;
  console.log(
    `[faults] recovery: kill -9 of the ${stage}: its ${ids.length} pending entries all handled ${ms} ms after the kill (default settings)`,
  );
  return ms;
}

/** How much `stage` has done so far: entries it wrote on, or (the reporter) Check Runs it made. */
export async function workDone(p: Pipeline, stage: StageName): Promise<number> {
  if (stage === 'reporter') return p.checks.all().length;
  const output = { receiver: p.keys.events, expander: p.keys.jobs, publisher: p.keys.checks };
  return p.streamLength(output[stage]);
}

/** Entries waiting for `stage` on its input stream: not yet read, or read and not acked. */
export async function backlog(p: Pipeline, stage: Exclude<StageName, 'receiver'>): Promise<number> {
  const input = { expander: p.keys.events, publisher: p.keys.jobs, reporter: p.keys.checks };
  const groups = (await p.redis.xinfo('GROUPS', input[stage]).catch(() => [])) as unknown[][];
  const group = groups.find((g) => g[g.indexOf('name') + 1] === stage) ?? [];
  const field = (name: string) => Number(group[group.indexOf(name) + 1] ?? 0) || 0;
  return field('lag') + field('pending');
}

/**
 * Waits until every sent delivery is in the store: answered 2xx (first try or a sweep's
 * redelivery), or stored although GitHub saw it fail (killed between the write and the
 * answer; the sweep rightly leaves those). Redeliveries come one per GITHUB_WRITE_MIN_MS
 * (1 s by default), so the wait is on progress: it fails only when nothing moved for
 * `stallMs`, and then names what is missing. Marks every sent delivery accepted.
 */
export async function awaitRedelivered(p: Pipeline, sent: Sent[], stallMs = 30_000): Promise<void> {
  const answered = (guid: string) =>
    p.sender
      .deliveries()
      .some((d) => d.guid === guid && d.status_code >= 200 && d.status_code < 300);
  const stored = async (guid: string) =>
    (await p.redis.exists(p.keys.delivery(String(p.hookId), guid))) === 1;
  const missing = async () => {
    const left: Sent[] = [];
    for (const s of sent) if (!answered(s.guid) && !(await stored(s.guid))) left.push(s);
    return left;
  };
  let left = await missing();
  let movedAt = Date.now();
  while (left.length > 0) {
    if (Date.now() - movedAt > stallMs) {
      const detail = left.map((s) => ({
        guid: s.guid,
        attempts: p.sender
          .deliveries()
          .filter((d) => d.guid === s.guid)
          .map((d) => d.status_code),
      }));
      throw new Error(
        `${left.length} of ${sent.length} deliveries neither answered 2xx nor stored, no progress for ${stallMs} ms: ${JSON.stringify(detail)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
    const now = await missing();
    if (now.length < left.length) movedAt = Date.now();
    left = now;
  }
  for (const s of sent) s.status = 202;
}

export interface Verdict {
  deliveries: number;
  jobs: number;
  lost: number;
  visibleDuplicates: number;
  duplicatePublishes: number;
}

/**
 * The invariants after a fault: every accepted delivery produced all its JobRequests and
 * each became exactly one Check Run, completed (no loss, no visible duplicate); nothing
 * pending; nothing dead. Duplicate publishes (at-least-once) are counted, not failed.
 */
export async function checkInvariants(
  p: Pipeline,
  sent: Sent[],
  timeoutMs = 90_000,
): Promise<Verdict> {
  const accepted = sent.filter((s) => s.status === 202 || s.status === 200);
  const expected = accepted.flatMap((s) => JOBS.map((job) => requestIdFor(s.guid, job)));
  const done = (id: string) => p.checks.withExternalId(id).some((r) => r.status === 'completed');
  try {
    await waitFor(
      () => expected.every(done),
      `all ${expected.length} check runs completed`,
      timeoutMs,
      200,
    );
  } catch (err) {
    const missing = expected.filter((id) => !done(id));
    console.log(
      `[faults] ${missing.length} not completed: ${JSON.stringify(missing.map((id) => ({ id, runs: p.checks.withExternalId(id).map((r) => r.history) })))}`,
    );
    if (process.env.FAULTS_DEBUG) debugLines(p, missing);
    throw err;
  }
  await waitFor(async () => (await p.pending()) === 0, 'nothing pending', 30_000, 200);
  const runs = expected.map((id) => p.checks.withExternalId(id));
  const lost = runs.filter((r) => r.length === 0).length;
  const visibleDuplicates = runs.filter((r) => r.length > 1).length;
  for (const dup of runs.filter((r) => r.length > 1).slice(0, 3)) {
    console.log(
      `[faults] duplicate runs: ${JSON.stringify(dup.map((r) => ({ id: r.id, name: r.name, history: r.history })))}`,
    );
    if (process.env.FAULTS_DEBUG) {
      debugLines(p, [...dup.map((r) => String(r.id)), dup[0]!.external_id ?? '-']);
    }
  }
  for (const rs of runs) {
    for (const r of rs) {
      const firstDone = r.history.findIndex((h) => h.status === 'completed');
      expect(
        r.history.slice(firstDone).every((h) => h.status === 'completed'),
        `run ${r.id} went back from completed`,
      ).toBe(true);
    }
  }
  const received = await p.received();
  const counts = new Map<string, number>();
  for (const j of received) counts.set(j.request_id, (counts.get(j.request_id) ?? 0) + 1);
  const duplicatePublishes = [...counts.values()].filter((n) => n > 1).length;
  expect(
    expected.every((id) => counts.has(id)),
    'every JobRequest reached the orchestrator',
  ).toBe(true);
  expect(lost).toBe(0);
  expect(visibleDuplicates).toBe(0);
  expect(Object.values(await p.deadCounts())).toEqual([0, 0, 0]);
  const verdict = {
    deliveries: accepted.length,
    jobs: expected.length,
    lost,
    visibleDuplicates,
    duplicatePublishes,
  };
  console.log(`[faults] ${JSON.stringify(verdict)}`);
  return verdict;
}

function debugLines(p: Pipeline, needles: string[]): void {
  for (const [label, proc] of p.processes)
    for (const l of proc.lines.slice(-8)) console.log(`[faults] tail ${label}: ${l.slice(0, 300)}`);
  for (const [label, proc] of p.processes) {
    for (const l of proc.lines)
      if (needles.some((n) => l.includes(n))) console.log(`[faults] ${label}: ${l.slice(0, 400)}`);
  }
}
