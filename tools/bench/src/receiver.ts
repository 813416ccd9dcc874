// Throughput of the receiver against a bare node:http baseline doing the same work (verify the
// signature, parse, dedupe + XADD with the same Lua script), both on real Redis, each server in
// a child process of its own so the load generator does not share its event loop. Prints req/s,
// p50/p99 latency (median of the rounds) and the server's CPU time per request for both.
//   npm run bench:receiver
// Settings (environment): REDIS_URL (redis://127.0.0.1:6379), BENCH_SECONDS per target (12),
// BENCH_ROUNDS (4), BENCH_CONNECTIONS (32), BENCH_LOG_LEVEL of the receiver (info),
// BENCH_CPU_PROF=<dir> to write a V8 CPU profile of each server; REDIS_MIN_REPLICAS_ACK (and
// REDIS_REPLICAS_ACK_TIMEOUT_MS) for the receiver's durable mode (a replica of REDIS_URL needed).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import autocannon from 'autocannon';
import { deleteKeys, pushExample } from '@solstice/github-standin/harness';
import {
  closeRedis,
  ConfigReader,
  createRedis,
  keysFor,
  readRedisSettings,
  type Redis,
} from '@solstice/shared';
import type { Target } from './receiver-server.js';

const SECRET = 'bench-secret';
const PATH = '/webhooks/github';

export interface BenchFigures {
  target: Target;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the server process per request: less disturbed by other load than req/s. */
  cpuMicrosPerRequest: number;
  requests: number;
  errors: number;
  non2xx: number;
  stored: number;
}

interface Server {
  target: Target;
  child: ChildProcess;
  url: string;
  prefix: string;
}

async function startServer(target: Target, redisUrl: string): Promise<Server> {
  const prefix = `bench-receiver-${randomUUID().slice(0, 8)}`;
  const server = fileURLToPath(new URL('./receiver-server.js', import.meta.url));
  const child = fork(server, [target, redisUrl, prefix, SECRET], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each server, to see where its time goes.
    execArgv: process.env.BENCH_CPU_PROF
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`,
          `--cpu-prof-name=${target}.cpuprofile`,
        ]
      : [],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`${target} server exited with ${code}`)));
  });
  return { target, child, url, prefix };
}

/** CPU time (user + system) the server process has used so far, in microseconds. */
function cpuMicros(s: Server): Promise<number> {
  return new Promise((resolve) => {
    s.child.once('message', (m: { cpuMicros: number }) => resolve(m.cpuMicros));
    s.child.send('cpu');
  });
}

async function stopServer(s: Server, redis: Redis): Promise<void> {
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  await exited;
  await deleteKeys(redis, `${s.prefix}:*`); // only this run's keys
}

async function load(url: string, body: string, seconds: number, connections: number) {
  const signature = await sign(SECRET, body);
  return autocannon({
    url: url + PATH,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: PATH,
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-hook-id': '1',
          'x-github-hook-installation-target-type': 'integration',
          'x-github-hook-installation-target-id': '1',
          'x-hub-signature-256': signature,
        },
        // A new delivery GUID per request, so every one is stored (no duplicates).
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, 'x-github-delivery': randomUUID() },
        }),
      },
    ],
  });
}

interface Round {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuMicros: number;
}

async function round(
  s: Server,
  body: string,
  seconds: number,
  connections: number,
): Promise<Round> {
  const cpuBefore = await cpuMicros(s);
  const r = await load(s.url, body, seconds, connections);
  return {
    requests: r.requests.total,
    seconds: r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    cpuMicros: (await cpuMicros(s)) - cpuBefore,
  };
}

function figures(s: Server, rounds: Round[], stored: number): BenchFigures {
  const sum = (f: (r: Round) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const requests = sum((r) => r.requests);
  return {
    target: s.target,
    requestsPerSecond: requests / sum((r) => r.seconds),
    p50Ms: median(rounds.map((r) => r.p50)),
    p99Ms: median(rounds.map((r) => r.p99)),
    cpuMicrosPerRequest: sum((r) => r.cpuMicros) / requests,
    requests,
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    stored,
  };
}

/**
 * Both servers run side by side but are loaded one at a time, in rounds ordered A B B A…, so a
 * change in the machine's load during the run falls on both alike.
 */
export async function runReceiverBench(
  opts: { redisUrl?: string; seconds?: number; connections?: number; rounds?: number } = {},
): Promise<{ baseline: BenchFigures; receiver: BenchFigures; ratio: number }> {
  const redisUrl = opts.redisUrl ?? readRedisSettings(new ConfigReader()).redisUrl;
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 12);
  const connections = opts.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 32);
  const rounds = Math.max(1, opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 4));
  // A real push payload from GitHub's examples (a branch push, not a deletion).
  const body = JSON.stringify(pushExample());
  const redis = createRedis(redisUrl, { role: 'worker' });
  const servers: Server[] = [];
  try {
    servers.push(await startServer('baseline', redisUrl), await startServer('receiver', redisUrl));
    for (const s of servers) {
      await load(s.url, body, 2, connections); // warm-up: JIT, connections, script cache
      await redis.del(keysFor(s.prefix).events);
    }
    const done = new Map<Server, Round[]>(servers.map((s) => [s, []]));
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) done.get(s)!.push(await round(s, body, seconds / rounds, connections));
    }
    const [baseline, receiver] = await Promise.all(
      servers.map(async (s) =>
        figures(s, done.get(s)!, await redis.xlen(keysFor(s.prefix).events)),
      ),
    );
    return {
      baseline: baseline!,
      receiver: receiver!,
      ratio: receiver!.requestsPerSecond / baseline!.requestsPerSecond,
    };
  } finally {
    for (const s of servers) await stopServer(s, redis);
    await closeRedis(redis);
  }
}

function report(r: Awaited<ReturnType<typeof runReceiverBench>>): void {
  const row = (f: BenchFigures) =>
    `${f.target.padEnd(9)} ${f.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50Ms).padStart(4)} ms   p99 ${String(f.p99Ms).padStart(4)} ms   ` +
    `cpu ${f.cpuMicrosPerRequest.toFixed(0).padStart(4)} µs/req   ${f.requests} requests, ${f.stored} stored, ${f.non2xx} non-2xx, ${f.errors} errors`;
  console.log(row(r.baseline));
  console.log(row(r.receiver));
  const gap = (1 - r.ratio) * 100;
  const cpu = r.receiver.cpuMicrosPerRequest / r.baseline.cpuMicrosPerRequest;
  console.log(`receiver/baseline server CPU per request: ${cpu.toFixed(2)}`);
  console.log(
    `receiver/baseline throughput: ${r.ratio.toFixed(3)} (${gap >= 0 ? gap.toFixed(1) + '% slower' : (-gap).toFixed(1) + '% faster'}; target: within 15%)`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runReceiverBench();
  report(result);
  const bad = [result.baseline, result.receiver].filter(
    (f) => f.errors > 0 || f.non2xx > 0 || f.stored < f.requests,
  );
  if (bad.length > 0) {
    console.error(
      `unexpected: errors, non-2xx or lost events for ${bad.map((f) => f.target).join(', ')}`,
    );
    process.exitCode = 1;
  }
}
