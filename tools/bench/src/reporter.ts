// `npm run bench:reporter`: the Check Run writers at GitHub's pace (GITHUB_WRITE_MIN_MS 1000,
// the default) — calls per job when keeping up and when results overtake, a quiet installation
// beside a busy one, write gaps with 1, 2 and 3 reporter copies — and CPU per webhook of each
// stage end to end with 1 installation and with 20.   (REDIS_URL, AMQP_URL)
import { mkdirSync, writeFileSync } from 'node:fs';
import { ROOT } from '@solstice/cli/stage-process';
import { readServers, writeGaps } from '@solstice/github-standin/harness';
import { ConfigReader, runMain } from '@solstice/shared';
import { sleep, type BenchRepo } from './bench-pushes.js';
import { describeMachine, loadAverage, machine } from './machine.js';
import { gapsWithCopies, quietWhileBusy } from './reporter-alone-rounds.js';
import {
  OWNER,
  allDone,
  callsPerJob,
  cpuPerWebhook,
  pipelineWith,
  runsPerJob,
  send,
} from './reporter-pipeline-rounds.js';

const repo = (i: number): BenchRepo => ({
  owner: OWNER,
  repo: `repo-${i}`,
  installationId: 50_000 + i,
});
const say = (line: string) => process.stdout.write(line + '\n');
const round2 = (n: number) => Math.round(n * 100) / 100;

runMain('bench:reporter', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const servers = readServers(r);
  const out = r.string('BENCH_OUT', `${ROOT}bench-results`);
  r.done();
  const started = Date.now();
  say(`bench:reporter on ${describeMachine(machine())}; load average ${loadAverage().join(' ')}`);
  const figures: Record<string, unknown> = {};

  // 1. Keeping up: each job's queued run is written before its result comes.
  {
    const a = repo(1);
    const p = await pipelineWith(
      servers,
      'bench-keepup',
      { GITHUB_WRITE_MIN_MS: '1000', DEMO_JOB_MS: '3000' },
      [a],
    );
    try {
      const from = p.standIn.calls.length;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(...(await send(p, a, 2)).requestIds);
        await sleep(7000);
      }
      await allDone(p, ids, 60_000);
      const c = callsPerJob(p, from, ids.length);
      figures.keepingUp = { jobs: ids.length, ...c, ...runsPerJob(p, ids) };
      say(`keeping up (5 pushes × 2 jobs, 7 s apart, jobs take 3 s, 1 installation):`);
      say(
        `  GitHub calls per job ${round2(c.allCallsPerJob)} (Check Run calls ${round2(c.checkRunCallsPerJob)}); by kind ${JSON.stringify(c.calls)}`,
      );
    } finally {
      await p.stop();
    }
  }

  // 2. Issue 12's scenario: 2 reporters, 30 pushes × 2 jobs to one installation, 1 push to
  //    another, every job answered at once: results overtake the writes.
  {
    const busy = repo(2);
    const quiet = repo(3);
    const p = await pipelineWith(
      servers,
      'bench-overtake',
      { GITHUB_WRITE_MIN_MS: '1000', DEMO_JOB_MS: '0' },
      [busy, quiet],
      2,
    );
    try {
      const from = p.standIn.calls.length;
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(...(await send(p, busy, 2)).requestIds);
      const q = await send(p, quiet, 2);
      await allDone(p, q.requestIds, 60_000);
      const quietMs = Date.now() - q.at;
      const all = [...ids, ...q.requestIds];
      const drained = await allDone(p, all, 180_000);
      const pendingLeft = await p.pending();
      const c = callsPerJob(p, from, all.length);
      const gaps = writeGaps(p.standIn.writes(busy.installationId));
      figures.overtaking = {
        jobs: all.length,
        drained,
        pendingLeft,
        quietMs,
        gaps,
        ...c,
        ...runsPerJob(p, all),
      };
      say(
        `results overtaking (2 reporters; 30 pushes × 2 jobs on one installation, 1 push × 2 on another; jobs answered at once):`,
      );
      say(
        `  Check Run calls per job ${round2(c.checkRunCallsPerJob)}; all GitHub calls per job ${round2(c.allCallsPerJob)}; by kind ${JSON.stringify(c.calls)}`,
      );
      say(
        `  every job completed once: ${runsPerJob(p, all).completedOnce}; pending after: ${pendingLeft}; quiet installation's runs completed ${quietMs} ms after its push`,
      );
      say(
        `  busy installation: ${gaps.writes} writes, smallest gap ${gaps.smallestGapMs} ms, overlapping ${gaps.overlapping}`,
      );
    } finally {
      await p.stop();
    }
  }

  // 3. A quiet installation while another has a 300-job backlog.
  {
    const q = await quietWhileBusy(servers, 300);
    figures.quietBesideBacklog = q;
    say(
      `quiet installation beside a 300-job backlog (2 reporters): its 2 runs created ${q.quietCreatedMs} ms, completed ${q.quietCompletedMs} ms after they were queued; busy jobs still without a run then: ${q.busyLeft}`,
    );
  }

  // 4. The smallest gap between one installation's writes with 1, 2 and 3 reporter copies.
  {
    const rows = [];
    for (const copies of [1, 2, 3]) {
      const g = await gapsWithCopies(servers, copies, 8);
      rows.push(g);
      say(
        `write gaps, ${copies} reporter ${copies === 1 ? 'copy' : 'copies'}: ${g.writes} writes for ${g.jobs} jobs, smallest gap ${g.smallestGapMs} ms (GITHUB_WRITE_MIN_MS 1000), overlapping ${g.overlapping}, writes by copy ${g.byCopy.join('/')}, each job once: ${g.completedOnce}`,
      );
    }
    figures.gaps = rows;
  }

  // 5. End to end, CPU per webhook per stage, 1 installation and 20 (pace 0: this is about cost).
  {
    const rows: Record<string, unknown>[] = [];
    for (const n of [1, 20]) {
      const repos = Array.from({ length: n }, (_, i) => repo(100 + i));
      const p = await pipelineWith(
        servers,
        `bench-cpu-${n}`,
        { GITHUB_WRITE_MIN_MS: '0', DEMO_JOB_MS: '20' },
        repos,
      );
      try {
        const webhooks = 60;
        const ids: string[] = [];
        let drained = false;
        const from = p.standIn.calls.length;
        const t0 = Date.now();
        const cpu = await cpuPerWebhook(p, webhooks, async () => {
          for (let i = 0; i < webhooks; i++) {
            ids.push(...(await send(p, repos[i % n]!, 3)).requestIds);
            await sleep(100);
          }
          drained = await allDone(p, ids, 120_000);
        });
        const c = callsPerJob(p, from, ids.length);
        rows.push({
          installations: n,
          webhooks,
          jobs: ids.length,
          drained,
          seconds: (Date.now() - t0) / 1000,
          cpuMsPerWebhook: cpu,
          ...c,
        });
        say(
          `end to end, ${n} installation${n === 1 ? '' : 's'} (${webhooks} pushes × 3 jobs at 10/s, GITHUB_WRITE_MIN_MS 0): CPU ms per webhook ${JSON.stringify(cpu)}; GitHub calls per job ${round2(c.allCallsPerJob)}; all done in ${((Date.now() - t0) / 1000).toFixed(1)} s${drained ? '' : ' (NOT all done)'}`,
        );
      } finally {
        await p.stop();
      }
    }
    figures.endToEnd = rows;
  }

  mkdirSync(out, { recursive: true });
  writeFileSync(
    `${out}/reporter.json`,
    JSON.stringify({ machine: machine(), figures }, null, 2) + '\n',
  );
  say(
    `bench:reporter took ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${out}/reporter.json`,
  );
});
