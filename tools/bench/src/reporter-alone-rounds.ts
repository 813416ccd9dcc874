import {
  Pipeline,
  ReporterFeed,
  resultFor,
  sampleEnvelope,
  writeGaps,
  type Servers,
  type WriteGaps,
} from '@solstice/github-standin/harness';
import type { JobEnvelope } from '@solstice/shared';
import { sleep } from './bench-pushes.js';

const BUSY = 31_337;
const QUIET = 40_001;

/** Reporter copies alone (no other stage), fed jobs and results directly. */
async function reporters(servers: Servers, label: string, copies: number) {
  // The writers' defaults: GITHUB_WRITE_MIN_MS 1000, WRITER_LEASE_MS 10000.
  const p = new Pipeline({
    ...servers,
    label,
    env: { GITHUB_WRITE_MIN_MS: '1000', LOG_LEVEL: 'warn' },
  });
  p.install('octo-org').installOn(QUIET, 'quiet-org', ['quiet']);
  await p.start(['reporter'], false);
  for (let k = 2; k <= copies; k++) await p.waitReady([await p.startProcess('reporter')]);
  return { p, feed: await ReporterFeed.open(p) };
}

const jobs = (n: number, o: Parameters<typeof sampleEnvelope>[0] = {}): JobEnvelope[] =>
  Array.from({ length: n }, (_, i) =>
    sampleEnvelope({
      owner: 'octo-org',
      repo: 'busy',
      installationId: BUSY,
      jobId: `job-${i}`,
      ...o,
    }),
  );

const shown = (p: Pipeline, e: JobEnvelope, status?: string) =>
  p.checks.withExternalId(e.job.request_id).some((r) => !status || r.status === status);

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await sleep(20);
  return check();
}

export interface QuietResult {
  backlog: number;
  /** Quiet jobs fed → all their runs created / completed (ms). */
  quietCreatedMs: number | undefined;
  quietCompletedMs: number | undefined;
  /** Busy jobs still without a run when the quiet ones were completed. */
  busyLeft: number;
}

/** A quiet installation's 2 jobs while another installation has a `backlog`-job backlog. */
export async function quietWhileBusy(servers: Servers, backlog: number): Promise<QuietResult> {
  const { p, feed } = await reporters(servers, 'bench-quiet', 2);
  try {
    const busy = jobs(backlog);
    await feed.published(busy);
    await feed.results(busy.map((e) => resultFor(e)));
    await until(() => p.standIn.writes(BUSY).length >= 3, 30_000);
    const quiet = jobs(2, { owner: 'quiet-org', repo: 'quiet', installationId: QUIET });
    const t0 = Date.now();
    await feed.published(quiet);
    await feed.results(quiet.map((e) => resultFor(e)));
    const created = await until(() => quiet.every((e) => shown(p, e)), 60_000);
    const createdMs = created ? Date.now() - t0 : undefined;
    const done = await until(() => quiet.every((e) => shown(p, e, 'completed')), 60_000);
    return {
      backlog,
      quietCreatedMs: createdMs,
      quietCompletedMs: done ? Date.now() - t0 : undefined,
      busyLeft: busy.filter((e) => !shown(p, e)).length,
    };
  } finally {
    await feed.close();
    await p.stop();
  }
}

export interface GapResult extends WriteGaps {
  copies: number;
  jobs: number;
  /** Writes each copy made (its solstice_github_writes_total). */
  byCopy: number[];
  completedOnce: boolean;
}

/** One installation's write gaps with `copies` reporters: queued runs first, then results. */
export async function gapsWithCopies(
  servers: Servers,
  copies: number,
  n: number,
): Promise<GapResult> {
  const { p, feed } = await reporters(servers, `bench-gaps-${copies}`, copies);
  try {
    const busy = jobs(n);
    await feed.published(busy);
    await until(() => busy.every((e) => shown(p, e)), 120_000);
    await feed.results(busy.map((e) => resultFor(e)));
    await until(() => busy.every((e) => shown(p, e, 'completed')), 120_000);
    const byCopy: number[] = [];
    for (const label of p.processes.keys()) {
      const text = await (await fetch(p.metricsUrl(label))).text();
      byCopy.push(
        text
          .split('\n')
          .filter((l) => l.startsWith('solstice_github_writes_total{'))
          .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0),
      );
    }
    return {
      copies,
      jobs: n,
      ...writeGaps(p.standIn.writes(BUSY)),
      byCopy,
      completedOnce: busy.every(
        (e) => p.checks.withExternalId(e.job.request_id).length === 1 && shown(p, e, 'completed'),
      ),
    };
  } finally {
    await feed.close();
    await p.stop();
  }
}
