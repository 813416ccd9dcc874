// `npm run bench`: the receiver bench, the publisher bench and the e2e bench one after the
// other (each its own process, output passed through), then bench-results/summary.json.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROOT } from '@solstice/cli/stage-process';
import { describeMachine, loadAverage, machine } from './machine.js';
import { parsePublisherOutput, parseReceiverOutput } from './parse-bench-output.js';

interface BenchRun {
  name: string;
  command: string;
  loadAverageBefore: [number, number, number];
  exitCode: number | null;
  seconds: number;
  figures: unknown;
}

/** Runs one built bench, passing its output through and keeping its stdout. */
function run(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      process.stdout.write(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

const outDir = process.env.BENCH_OUT ?? `${ROOT}bench-results`;
// REDIS_URL and AMQP_URL pass through: unset, each bench applies the stages' defaults.
const env = { ...process.env, BENCH_OUT: outDir };
/** The commit the figures came from, and the files changed on top of it (a shared tree). */
function source(): { commit: string; changed: string[] } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return {
      commit: git('rev-parse', 'HEAD').trim(),
      changed: git('status', '--porcelain').split('\n').filter(Boolean),
    };
  } catch {
    return { commit: 'unknown', changed: [] };
  }
}

const m = machine();
const tree = source();
const say = (line: string) => process.stdout.write(line + '\n');
say(`bench: ${describeMachine(m)}`);
say(
  `  commit ${tree.commit}${tree.changed.length ? ` + ${tree.changed.length} changed file(s)` : ''}`,
);
const benches: { name: string; script: string; figures: (out: string) => unknown }[] = [
  { name: 'receiver', script: './receiver.js', figures: parseReceiverOutput },
  { name: 'publisher', script: './publisher.js', figures: parsePublisherOutput },
  {
    name: 'e2e',
    script: './e2e.js',
    figures: (): unknown => JSON.parse(readFileSync(`${outDir}/e2e.json`, 'utf8')),
  },
];
const runs: BenchRun[] = [];
const started = new Date();
for (const b of benches) {
  const load = loadAverage();
  say(`\n=== bench ${b.name} (load average ${load.join(' ')}) ===`);
  const t0 = Date.now();
  const { code, out } = await run(b.script, env);
  let figures: unknown;
  try {
    figures = code === 0 ? b.figures(out) : undefined;
  } catch {
    figures = undefined;
  }
  runs.push({
    name: b.name,
    command: `node tools/bench/dist/${b.script.slice(2)}`,
    loadAverageBefore: load,
    exitCode: code,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    figures,
  });
  if (code !== 0) say(`bench ${b.name} failed (exit ${code})`);
}
mkdirSync(outDir, { recursive: true });
writeFileSync(
  `${outDir}/summary.json`,
  JSON.stringify({ date: started.toISOString(), machine: m, source: tree, runs }, null, 2) + '\n',
);
say(`\nwrote ${outDir}/summary.json`);
for (const r of runs) say(`  ${r.name.padEnd(9)} exit ${r.exitCode}  ${r.seconds} s`);
if (runs.some((r) => r.exitCode !== 0)) process.exitCode = 1;
