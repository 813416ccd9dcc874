// Throughput of the receiver against a bare node:http baseline doing the same work (verify the
// signature, parse, dedupe + XADD with the same Lua script), both on real Redis, each server in
// a child process of its own so the load generator does not share its event loop. Prints req/s,
// p50/p99 latency (median of the rounds) and the server's CPU time per request for both.
//   npm run bench:receiver
// Settings (environment): REDIS_URL (redis://127.0.0.1:6379), BENCH_SECONDS per target (12),
// BENCH_ROUNDS (4), BENCH_CONNECTIONS (32), BENCH_LOG_LEVEL of the receiver (info),
// BENCH_CPU_PROF=<dir> to write a V8 CPU profile of each server.
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  closeRedis,
  createLogger,
  createRedis,
  keysFor,
  storeOnce,
  type Redis,
} from '@solstice/shared';
import { readReceiverConfig } from '@solstice/receiver/config';
import { openReceiverRedis, startReceiver } from '@solstice/receiver/start-receiver';

type Target = 'baseline' | 'receiver';

const SECRET = 'bench-secret';
const PATH = '/webhooks/github';
const DEDUPE_TTL_S = 3600;

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

/** A real push payload from GitHub's examples (a branch push, not a deletion). */
function pushBody(): string {
  const require = createRequire(import.meta.url);
  const defs = require('@octokit/webhooks-examples') as {
    name: string;
    examples: { deleted?: boolean }[];
  }[];
  const push = defs.find((d) => d.name === 'push')!.examples.find((p) => p.deleted === false);
  return JSON.stringify(push);
}

/** Child side: serve one target, report its URL, and its CPU time when asked. */
async function serve(target: Target, redisUrl: string, prefix: string): Promise<void> {
  process.on('message', (m) => {
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ cpuMicros: user + system });
    }
  });
  if (target === 'receiver') {
    const config = readReceiverConfig({
      env: {
        HTTP_ADDR: '127.0.0.1:0',
        GITHUB_WEBHOOK_SECRET: SECRET,
        REDIS_URL: redisUrl,
        STREAM_PREFIX: prefix,
        DEDUPE_TTL_SECONDS: String(DEDUPE_TTL_S),
      },
    });
    // The real logger at info: one line per delivery, as in production (stdout is /dev/null here).
    // BENCH_LOG_LEVEL=warn shows what the per-delivery line costs.
    const level = process.env.BENCH_LOG_LEVEL ?? 'info';
    const log = createLogger({ name: 'receiver', level });
    const receiver = await startReceiver(config, openReceiverRedis(config.redisUrl, log), log);
    process.send!({ url: receiver.url });
    process.on('SIGTERM', () => void receiver.close().then(() => process.exit(0)));
    return;
  }
  const redis = createRedis(redisUrl, { role: 'request' });
  const url = await serveBaseline(redis, prefix);
  process.send!({ url });
  process.on('SIGTERM', () => void closeRedis(redis).then(() => process.exit(0)));
}

/** The least a receiver can do: raw body, verify, parse, storeOnce, 202. */
async function serveBaseline(redis: Redis, prefix: string): Promise<string> {
  const keys = keysFor(prefix);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sig = String(req.headers['x-hub-signature-256'] ?? '');
      const given = Buffer.from(sig.slice(7), 'hex');
      const expected = createHmac('sha256', SECRET).update(body).digest();
      if (given.length !== 32 || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      const text = body.toString('utf8');
      JSON.parse(text);
      const delivery = String(req.headers['x-github-delivery']);
      const hookId = String(req.headers['x-github-hook-id'] ?? '0');
      storeOnce(redis, keys.delivery(hookId, delivery), keys.events, DEDUPE_TTL_S, {
        delivery,
        hook_id: hookId,
        event: String(req.headers['x-github-event']),
        content_type: String(req.headers['content-type']),
        body: text,
        installation_target_type: String(
          req.headers['x-github-hook-installation-target-type'] ?? '',
        ),
        installation_target_id: String(req.headers['x-github-hook-installation-target-id'] ?? ''),
        received_at: new Date().toISOString(),
      }).then(
        ({ id, created }) =>
          res
            .writeHead(created ? 202 : 200, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ status: created ? 'stored' : 'duplicate', delivery, entry_id: id }),
            ),
        () => res.writeHead(503).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Server {
  target: Target;
  child: ChildProcess;
  url: string;
  prefix: string;
}

async function startServer(target: Target, redisUrl: string): Promise<Server> {
  const prefix = `bench-receiver-${randomUUID().slice(0, 8)}`;
  const child = fork(fileURLToPath(import.meta.url), ['--serve', target, redisUrl, prefix], {
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
  // Only this run's keys.
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${s.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== '0');
}

function load(url: string, body: string, seconds: number, connections: number) {
  const signature = 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
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
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 12);
  const connections = opts.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 32);
  const rounds = Math.max(1, opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 4));
  const body = pushBody();
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

const [, , flag, target, redisUrl, prefix] = process.argv;
if (flag === '--serve') {
  await serve(target as Target, redisUrl!, prefix!);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
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
