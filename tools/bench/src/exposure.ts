// The receiver exposed as issue 13 found it: at its DEFAULT settings, as a process of its own,
// with a secret set. Prints its resident memory before; with 100 clients that each declared a
// 20 MB body, sent 8 MB and stalled (with a well-formed but wrong signature, so the receiver
// has to read the body to find out) plus 1,500 sockets that connect and send nothing; and the
// time a signed push takes to be stored meanwhile. Targets: under 400 MB, within a second or two.
//   npm run bench:exposure
// Settings (environment): REDIS_URL (redis://127.0.0.1:6379); EXPOSURE_RECEIVER_NOFILE, the
// receiver's open-file limit (the npm script passes `ulimit -n` of its shell, taken before node
// raises its own); EXPOSURE_CLIENTS (100), EXPOSURE_IDLE (1500), EXPOSURE_DECLARED_MB (20),
// EXPOSURE_SENT_MB (8).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sign } from '@octokit/webhooks-methods';
import { stageMain } from '@solstice/cli/stage-process';
import {
  deleteKeys,
  freePort,
  holdConnection,
  pushExample,
  requestHead,
  waitForOk,
  type HeldConnection,
} from '@solstice/github-standin/harness';
import {
  closeRedis,
  ConfigReader,
  createRedis,
  keysFor,
  readRedisSettings,
} from '@solstice/shared';
import { residentMiB } from './resident-memory.js';

const SECRET = 'exposure-probe-secret';
const MB = 1_000_000;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

interface Receiver {
  child: ChildProcess;
  hook: string;
  metricsUrl: string;
  prefix: string;
}

/** The real receiver (services/receiver/dist/main.js) under `ulimit -n nofile`, defaults otherwise. */
async function startReceiver(redisUrl: string, nofile: string | undefined): Promise<Receiver> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const prefix = `exposure-${randomUUID().slice(0, 8)}`;
  const env = {
    ...process.env,
    GITHUB_WEBHOOK_SECRET: SECRET,
    REDIS_URL: redisUrl,
    STREAM_PREFIX: prefix,
    HTTP_ADDR: `127.0.0.1:${port}`,
    METRICS_ADDR: `127.0.0.1:${metricsPort}`,
  };
  // exec: the shell becomes node, so the pid is the receiver's.
  const script = nofile ? 'ulimit -n "$1" && exec node "$2"' : 'exec node "$2"';
  const child = spawn('/bin/sh', ['-c', script, 'sh', nofile ?? '', stageMain('receiver')], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const hook = `http://127.0.0.1:${port}/webhooks/github`;
  await waitForOk(`http://127.0.0.1:${port}/readyz`, 20_000, () =>
    child.exitCode === null ? undefined : `the receiver exited with ${child.exitCode}`,
  );
  return { child, hook, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, prefix };
}

async function metrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(url)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(solstice_(?:receiver_\w+|webhooks_received_total)(?:\{[^}]*\})?) (\S+)$/.exec(
      line,
    );
    if (m) out[m[1]!.replace(/,?stage="receiver"/, '').replace('{}', '')] = Number(m[2]);
  }
  return out;
}

function openFiles(pid: number): string {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  return /^Max open files\s+(\S+)/m.exec(limits)?.[1] ?? '?';
}

/** One signed push, as GitHub sends it; ms until the 202 (answered once Redis has the event). */
async function timedPush(hook: string): Promise<{ ms: number; status: number }> {
  const body = JSON.stringify(pushExample());
  const started = performance.now();
  const res = await fetch(hook, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(SECRET, body),
    },
  });
  await res.body?.cancel();
  return { ms: performance.now() - started, status: res.status };
}

async function main(): Promise<void> {
  const clients = num('EXPOSURE_CLIENTS', 100);
  const idleCount = num('EXPOSURE_IDLE', 1500);
  const declared = num('EXPOSURE_DECLARED_MB', 20) * MB;
  const sentBody = Buffer.alloc(num('EXPOSURE_SENT_MB', 8) * MB, 'x'); // one buffer, written to all
  const { redisUrl } = readRedisSettings(new ConfigReader());
  const nofile = process.env.EXPOSURE_RECEIVER_NOFILE || undefined;
  const redis = createRedis(redisUrl, { role: 'worker' });
  const r = await startReceiver(redisUrl, nofile);
  const pid = r.child.pid!;
  const held: HeldConnection[] = [];
  try {
    console.log(`receiver pid ${pid}, default settings, open-file limit ${openFiles(pid)}`);
    await sleep(1000);
    const before = await residentMiB(pid);
    console.log(`RSS before: ${before} MB`);

    let peak = before;
    const sampler = setInterval(() => {
      void residentMiB(pid).then((mb) => (peak = Math.max(peak, mb)));
    }, 100);
    const stalled = Array.from({ length: clients }, () => {
      const c = holdConnection(
        r.hook,
        requestHead(r.hook, {
          'content-type': 'application/json',
          'content-length': declared,
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': 'sha256=' + '0'.repeat(64),
        }),
      );
      c.socket.write(sentBody);
      held.push(c);
      return c;
    });
    // Each stalled client has written its 8 MB, or was answered and closed.
    const sent = stalled.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.socket.write('', () => resolve());
          void c.closed.then(resolve);
        }),
    );
    const idle = Array.from({ length: idleCount }, () => holdConnection(r.hook));
    held.push(...idle);
    await Promise.all(sent);
    await sleep(2000); // let the receiver take in what it was sent
    const during = await residentMiB(pid);

    const push = await timedPush(r.hook);
    const readyStarted = performance.now();
    const ready = await fetch(r.hook.replace(/\/webhooks\/github$/, '/readyz'));
    const readyMs = performance.now() - readyStarted;
    const stored = await redis.xlen(keysFor(r.prefix).events);
    const answered503 = (
      await Promise.all(stalled.map((c) => Promise.race([c.answer, sleep(10, undefined)])))
    ).filter((a) => a?.status === 503).length;
    const m = await metrics(r.metricsUrl);
    clearInterval(sampler);

    console.log(
      `attack: ${clients} clients declared ${declared / MB} MB, sent ${sentBody.length / MB} MB and stalled ` +
        `(${answered503} answered 503 at once, ${stalled.filter((c) => !c.isClosed()).length} held); ` +
        `${idleCount} idle sockets (${idle.filter((c) => c.isClosed()).length} closed by the receiver)`,
    );
    console.log(`RSS with the attack: ${during} MB (peak ${peak} MB; target: under 400 MB)`);
    console.log(
      `signed push meanwhile: ${push.status} in ${push.ms.toFixed(0)} ms, ${stored} stored (target: within 1-2 s)`,
    );
    console.log(
      `GET /readyz on the webhook port meanwhile: ${ready.status} in ${readyMs.toFixed(0)} ms`,
    );
    for (const [name, value] of Object.entries(m)) console.log(`  ${name} ${value}`);

    // REQUEST_TIMEOUT_MS (15 s) cuts the bodies still held; their bytes are given back.
    await sleep(17_000);
    const after = await metrics(r.metricsUrl);
    console.log(
      `after 17 s: ${stalled.filter((c) => !c.isClosed()).length} stalled clients still open, ` +
        `buffered ${after.solstice_receiver_buffered_bytes} bytes, RSS ${await residentMiB(pid)} MB`,
    );
    if (push.status !== 202 || stored !== 1) process.exitCode = 1;
  } finally {
    for (const c of held) c.socket.destroy();
    r.child.kill('SIGTERM');
    await new Promise((resolve) => r.child.once('exit', resolve));
    await deleteKeys(redis, `${r.prefix}:*`);
    await closeRedis(redis);
  }
}

await main();
