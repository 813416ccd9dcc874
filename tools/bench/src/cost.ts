// `npm run bench:cost`: CPU per webhook of each stage (issue 18). All four stages and the demo
// orchestrator as processes; signed pushes, each a new commit with a 3-job workflow, offered
// open-loop; GITHUB_WRITE_MIN_MS=0, the local stand-in, every JobRequest answered at once.
// Each stage's user + system CPU is read from /proc before and after. Then a micro-measure
// of the KDL parse (kdljs) of the same workflow file.
//   BENCH_PUSHES (300), BENCH_RATE (30/s), BENCH_WARMUP (10 pushes, not counted),
//   BENCH_LOG_LEVEL (info), BENCH_DRAIN_MS (60000), BENCH_KDL_PARSES (2000),
//   BENCH_CPU_PROF_DIR (a directory: the reporter's V8 CPU profile, as --cpu-prof, goes there),
//   REDIS_URL, AMQP_URL.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from '@solstice/cli/stage-process';
import {
  Pipeline,
  SAMPLE_JOBS,
  SAMPLE_WORKFLOW,
  STAGES,
  readServers,
} from '@solstice/github-standin/harness';
import { ConfigReader, requestIdFor, runMain } from '@solstice/shared';
import { pushTo, sleep, type BenchRepo } from './bench-pushes.js';
import { costLines, type CostFigures } from './cost-report.js';
import { measureKdl } from './cost-kdl.js';
import { describeMachine, loadAverage, machine } from './machine.js';
import { cpuMs, cpuPer } from './process-cpu.js';
import { allDone, callsPerJob } from './reporter-pipeline-rounds.js';

const REPO: BenchRepo = { owner: 'Codertocat', repo: 'Hello-World', installationId: 31_337 };
const say = (line: string) => process.stdout.write(line + '\n');

/** Sends `count` pushes open-loop at `rate`/s; the request ids of their jobs. */
async function offer(p: Pipeline, count: number, rate: number): Promise<string[]> {
  const t0 = Date.now() + 20;
  const sends: Promise<string[]>[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(t0 + (i * 1000) / rate - Date.now());
    const { payload } = pushTo(p, REPO, SAMPLE_WORKFLOW);
    sends.push(
      p.send('push', payload).then((d) => {
        if (d.status_code !== 202) throw new Error(`push answered ${d.status_code}`);
        return SAMPLE_JOBS.map((job) => requestIdFor(d.guid, job));
      }),
    );
  }
  return (await Promise.all(sends)).flat();
}

runMain('bench:cost', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const servers = readServers(r);
  const pushes = r.int('BENCH_PUSHES', 300, { min: 1 });
  const rate = r.int('BENCH_RATE', 30, { min: 1 });
  const warmup = r.int('BENCH_WARMUP', 10, { min: 0 });
  const logLevel = r.string('BENCH_LOG_LEVEL', 'info');
  const drainMs = r.int('BENCH_DRAIN_MS', 60_000, { min: 1000 });
  const kdlParses = r.int('BENCH_KDL_PARSES', 2000, { min: 1 });
  const profDir = r.string('BENCH_CPU_PROF_DIR');
  const out = r.string('BENCH_OUT', `${ROOT}bench-results`);
  r.done();
  if (profDir) mkdirSync(resolve(profDir), { recursive: true });

  const loadBefore = loadAverage();
  say(`bench:cost on ${describeMachine(machine())}; load average ${loadBefore.join(' ')}`);
  say(
    `  ${servers.shown}; ${pushes} pushes × ${SAMPLE_JOBS.length} jobs at ${rate}/s (after ${warmup} not counted); ` +
      `GITHUB_WRITE_MIN_MS=0; DEMO_JOB_MS=0; LOG_LEVEL=${logLevel}${profDir ? `; reporter's CPU profile into ${profDir}` : ''}`,
  );
  const p = new Pipeline({
    ...servers,
    label: 'bench-cost',
    jobMs: 0,
    env: { GITHUB_WRITE_MIN_MS: '0', LOG_LEVEL: logLevel },
  });
  p.installOn(REPO.installationId, REPO.owner, [REPO.repo]);
  let figures: CostFigures;
  try {
    // The reporter apart, so that it alone may run under the profiler.
    await p.start(
      STAGES.filter((s) => s !== 'reporter'),
      false,
    );
    // --cpu-prof may not be in NODE_OPTIONS: the same profile through the inspector.
    const prof = profDir
      ? {
          NODE_OPTIONS: `--import=${new URL('./cost-cpu-prof.js', import.meta.url).href}`,
          COST_CPU_PROF_DIR: resolve(profDir),
        }
      : undefined;
    await p.waitReady([await p.startProcess('reporter', prof)]);
    await p.waitReady([await p.startProcess('demo-orchestrator')]);

    if (warmup > 0 && !(await allDone(p, await offer(p, warmup, rate), drainMs)))
      throw new Error('the warm-up pushes were not all completed');
    const from = p.standIn.calls.length;
    const profiled = profDir ? p.process('reporter').pid : undefined;
    if (profiled) process.kill(profiled, 'SIGUSR2'); // the profile starts
    const before = await cpuMs(p.processes);
    const t0 = Date.now();
    const ids = await offer(p, pushes, rate);
    const drained = await allDone(p, ids, drainMs);
    const seconds = (Date.now() - t0) / 1000;
    const after = await cpuMs(p.processes);
    if (profiled) process.kill(profiled, 'SIGUSR2'); // … and is written
    const calls = callsPerJob(p, from, ids.length);
    figures = {
      pushes,
      jobs: ids.length,
      rate,
      drained,
      seconds,
      cpuMsPerWebhook: cpuPer(before, after, pushes),
      githubCalls: calls.calls,
      githubCallsPerJob: calls.allCallsPerJob,
      loadBefore,
      loadAfter: loadAverage(),
      kdl: await measureKdl(SAMPLE_WORKFLOW, kdlParses),
    };
  } finally {
    await p.stop();
  }
  for (const line of costLines(figures)) say(line);
  mkdirSync(out, { recursive: true });
  writeFileSync(
    `${out}/cost.json`,
    JSON.stringify({ machine: machine(), logLevel, figures }, null, 2) + '\n',
  );
  say(`wrote ${out}/cost.json`);
});
