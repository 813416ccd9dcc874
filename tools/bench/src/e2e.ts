// End to end: webhooks/s through all four stages (3-job workflows), open-loop at several
// offered rates, one copy of each stage, then two copies of the slowest one.
//   npm run bench:e2e   (REDIS_URL, AMQP_URL, BENCH_E2E_RATES, BENCH_E2E_SECONDS, BENCH_E2E_SCALE)
import { mkdirSync, writeFileSync } from 'node:fs';
import { ROOT } from '@solstice/cli/stage-process';
import { Pipeline, readServers } from '@solstice/github-standin/harness';
import { ConfigReader, runMain } from '@solstice/shared';
import { writeE2eChart } from './chart.js';
import { clockCheckRuns } from './check-run-clock.js';
import { OWNER, runRound, type RoundResult } from './e2e-round.js';
import { e2eTables } from './e2e-report.js';
import { describeMachine, loadAverage, machine } from './machine.js';

const SCALABLE = ['expander', 'publisher', 'reporter'] as const;
type Scalable = (typeof SCALABLE)[number];

/** The stage whose time (p50, waiting included) was longest in the round with the most load. */
export function slowestStage(rounds: RoundResult[]): Scalable {
  const top = [...rounds].sort((a, b) => b.offered - a.offered)[0]!;
  return [...SCALABLE].sort((a, b) => (top.stages[b].p50 ?? 0) - (top.stages[a].p50 ?? 0))[0]!;
}

runMain('bench:e2e', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const { redisUrl, amqpUrl, shown } = readServers(r);
  const rates = r.list('BENCH_E2E_RATES').map(Number);
  const seconds = r.int('BENCH_E2E_SECONDS', 8, { min: 1, max: 60 });
  const drainMs = r.int('BENCH_E2E_DRAIN_MS', 20_000, { min: 1000 });
  const scale = r.string('BENCH_E2E_SCALE', 'auto');
  const jobMs = r.int('DEMO_JOB_MS', 20, { min: 0 });
  const logLevel = r.string('BENCH_LOG_LEVEL', 'info');
  const out = r.string('BENCH_OUT', `${ROOT}bench-results`);
  r.done();
  if (rates.length === 0) rates.push(5, 10, 20, 40);
  if (rates.some((x) => !(x > 0))) throw new Error('BENCH_E2E_RATES: expected positive numbers');
  if (scale !== 'auto' && scale !== 'none' && !SCALABLE.includes(scale as Scalable))
    throw new Error(`BENCH_E2E_SCALE: expected auto, none or one of ${SCALABLE.join(', ')}`);

  const say = (line: string) => process.stdout.write(line + '\n');
  const m = machine();
  say(`bench:e2e on ${describeMachine(m)}; load average ${loadAverage().join(' ')}`);
  say(
    `  ${shown}; rates ${rates.join(', ')}/s × ${seconds} s; ` +
      `3 jobs per webhook; DEMO_JOB_MS=${jobMs}; GITHUB_WRITE_MIN_MS=0 (GitHub's 1 write/s per installation would cap the reporter); LOG_LEVEL=${logLevel}`,
  );
  const p = new Pipeline({
    redisUrl,
    amqpUrl,
    label: 'bench-e2e',
    jobMs,
    env: { GITHUB_WRITE_MIN_MS: '0', LOG_LEVEL: logLevel },
  });
  p.install(OWNER);
  const clock = clockCheckRuns(p.checks);
  const rounds: RoundResult[] = [];
  let scaled: Scalable | undefined;
  const started = Date.now();
  try {
    await p.start();
    const runAll = async (copies: string) => {
      for (const rate of rates) {
        const round = await runRound(p, clock, { copies, rate, seconds, drainMs });
        rounds.push(round);
        say(
          `  ${copies}, ${rate}/s: ${round.webhooksPerSec.toFixed(1)} webhooks/s, ${round.jobsPerSec.toFixed(1)} jobs/s, ` +
            `→queued p50 ${round.toQueued.p50 ?? '-'} ms p99 ${round.toQueued.p99 ?? '-'} ms${round.drained ? '' : ' (not all done)'}`,
        );
        // Let a backlog from a saturated round clear before the next one (bounded).
        const until = Date.now() + drainMs;
        while ((await p.pending()) > 0 && Date.now() < until)
          await new Promise((res) => setTimeout(res, 100));
      }
    };
    await runAll('1 each');
    if (scale !== 'none') {
      scaled = scale === 'auto' ? slowestStage(rounds) : (scale as Scalable);
      say(
        `  slowest stage at ${Math.max(...rates)}/s: ${scaled}${scale === 'auto' ? ' (longest p50 time at its stage)' : ' (BENCH_E2E_SCALE)'}; starting a second copy`,
      );
      await p.waitReady([await p.startProcess(scaled)]);
      await runAll(`2× ${scaled}`);
    }
  } finally {
    clock.stop();
    await p.stop();
  }
  say('');
  say(e2eTables(rounds));
  say(`\nbench:e2e took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const caption = `${new Date().toISOString().slice(0, 10)}, ${m.nproc} CPUs (${m.cpuModel}), load ${loadAverage()[0]}`;
  mkdirSync(out, { recursive: true });
  writeFileSync(
    `${out}/e2e.json`,
    JSON.stringify({ machine: m, rates, seconds, jobMs, scaled, rounds }, null, 2) + '\n',
  );
  writeE2eChart(rounds, caption, [`${out}/e2e.svg`, `${ROOT}docs/bench-e2e.svg`]);
  say(`wrote ${out}/e2e.json, ${out}/e2e.svg and docs/bench-e2e.svg`);
});
