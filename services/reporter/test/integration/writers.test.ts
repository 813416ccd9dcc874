import { afterEach, describe, expect, it } from 'vitest';
import {
  Pipeline,
  ReporterFeed,
  resultFor,
  writeGaps,
  type PipelineOptions,
} from '@solstice/github-standin/harness';
import type { JobEnvelope } from '@solstice/shared';
import { jobEnvelope } from '../../../../test/support/fixtures.js';
import { amqpUrl, redisUrl } from '../../../../test/support/servers.js';
import { waitFor } from '../../../../test/support/wait.js';

const GAP_MS = 200;
const OWNER = 'octo-org';
const BUSY = 31_337;
const QUIET = 40_001;

/** Reporters alone, as processes (no other stage, no orchestrator), fed by the test. */
async function reporters(copies: number, env: PipelineOptions['env'] = {}) {
  const p = new Pipeline({
    redisUrl: redisUrl(),
    amqpUrl: amqpUrl(),
    label: 'writers',
    env: { GITHUB_WRITE_MIN_MS: String(GAP_MS), ...env },
  });
  p.install(OWNER).installOn(QUIET, 'quiet-org', ['quiet']);
  await p.start(['reporter'], false);
  for (let k = 2; k <= copies; k++) await p.waitReady([await p.startProcess('reporter')]);
  return { p, feed: await ReporterFeed.open(p) };
}

const jobsOf = (n: number, o: Parameters<typeof jobEnvelope>[0] = {}): JobEnvelope[] =>
  Array.from({ length: n }, (_, i) =>
    jobEnvelope({ owner: OWNER, repo: 'busy', installationId: BUSY, jobId: `job-${i}`, ...o }),
  );

/** Every job shown completed, each by exactly one run. */
const allCompleted = (p: Pipeline, jobs: JobEnvelope[]) =>
  jobs.every((e) => {
    const runs = p.checks.withExternalId(e.job.request_id);
    return runs.length === 1 && runs[0]!.status === 'completed';
  });

async function writesByCopy(p: Pipeline): Promise<number[]> {
  const counts: number[] = [];
  for (const label of p.processes.keys()) {
    const text = await (await fetch(p.metricsUrl(label))).text();
    const lines = text.split('\n').filter((l) => l.startsWith('solstice_github_writes_total{'));
    counts.push(lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0));
  }
  return counts;
}

describe('installation writers across reporter copies (processes)', () => {
  let running: Awaited<ReturnType<typeof reporters>> | undefined;
  afterEach(async () => {
    await running?.feed.close();
    await running?.p.stop();
    running = undefined;
  });

  for (const copies of [1, 2, 3]) {
    it(`${copies} reporter ${copies === 1 ? 'copy writes' : 'copies write'} one installation serially, GITHUB_WRITE_MIN_MS apart, each job once`, async () => {
      running = await reporters(copies);
      const { p, feed } = running;
      // Which copy takes the lease is a race the copy that just wrote often wins (it knows the
      // next due time): rounds of 12 jobs go on until more than one copy has written, so the
      // gaps below are measured while copies share the installation.
      const jobs: JobEnvelope[] = [];
      for (let round = 0; round < 5; round++) {
        const more = jobsOf(12); // new request ids each round
        jobs.push(...more);
        await feed.published(more);
        await feed.results(more.map((e) => resultFor(e)));
        await waitFor(() => allCompleted(p, jobs), 'every job completed once', 60_000, 100);
        if (copies === 1 || (await writesByCopy(p)).filter((n) => n > 0).length > 1) break;
      }
      await waitFor(async () => (await p.pending()) === 0, 'nothing pending');

      const writes = p.standIn.writes(BUSY);
      const gaps = writeGaps(writes);
      expect(gaps.overlapping, 'a write sent before the previous one was answered').toBe(0);
      expect(gaps.smallestGapMs).toBeGreaterThanOrEqual(GAP_MS);
      // Results came while writes waited their turn: most jobs took one create, none more than two.
      expect(writes.length).toBeLessThanOrEqual(2 * jobs.length);
      expect(p.standIn.callsTo('GET', /\/check-runs$/)).toEqual([]);
      const byCopy = await writesByCopy(p);
      expect(byCopy.reduce((a, b) => a + b, 0)).toBe(writes.length);
      // The budget is shared, not split: the copies took turns on the one installation.
      if (copies > 1) expect(byCopy.filter((n) => n > 0).length).toBeGreaterThan(1);
    });
  }

  it("writes a quiet installation's runs before a busy installation's backlog ends", async () => {
    running = await reporters(2);
    const { p, feed } = running;
    const busy = jobsOf(30);
    await feed.published(busy);
    await feed.results(busy.map((e) => resultFor(e)));
    await waitFor(() => p.standIn.writes(BUSY).length >= 2, 'the busy backlog being written');
    const quiet = jobsOf(2, { owner: 'quiet-org', repo: 'quiet', installationId: QUIET });
    await feed.published(quiet);
    await feed.results(quiet.map((e) => resultFor(e)));
    await waitFor(() => allCompleted(p, [...busy, ...quiet]), 'every job completed', 60_000, 100);

    const order = p.standIn.writes().map((w) => w.installationId);
    const lastQuiet = order.lastIndexOf(QUIET);
    const lastBusy = order.lastIndexOf(BUSY);
    expect(lastQuiet).toBeGreaterThan(0);
    expect(lastQuiet).toBeLessThan(lastBusy);
    // Busy writes after the quiet ones were done: the backlog was far from its end.
    expect(order.slice(lastQuiet).filter((i) => i === BUSY).length).toBeGreaterThan(10);
    expect(writeGaps(p.standIn.writes(BUSY)).smallestGapMs).toBeGreaterThanOrEqual(GAP_MS);
  });
});
