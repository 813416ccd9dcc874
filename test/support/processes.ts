import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The four pipeline stages, each `node services/<name>/dist/main.js`. */
export type StageName = 'receiver' | 'expander' | 'publisher' | 'reporter';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StageProcess {
  name: StageName;
  proc: ChildProcess;
  /** Every line the stage wrote, stdout and stderr, in order of arrival. */
  logs: string[];
  /** The pino JSON lines among `logs`, parsed. */
  json(): Record<string, unknown>[];
  /** http://127.0.0.1:<port>: /healthz /readyz /metrics (and the receiver's webhook route). */
  baseUrl: string;
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
  /** The exit, once it has happened. */
  exit: Exit | undefined;
  /** The first line (already written or still to come) matching `re`; rejects if the stage exits first. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until GET /healthz answers 200; rejects at once if the stage exits. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL (a crash), then waits for the exit. */
  kill(): Promise<Exit>;
  /** SIGSTOP / SIGCONT: a stage that hangs without dying. */
  pause(): void;
  resume(): void;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where each stage's own HTTP server listens: the receiver's API, or the ops server. */
const ADDR_VAR: Record<StageName, string> = {
  receiver: 'HTTP_ADDR',
  expander: 'METRICS_ADDR',
  publisher: 'METRICS_ADDR',
  reporter: 'METRICS_ADDR',
};

// Other people's tests run on the same servers: a stage on default names would take their work.
const UNIQUE_NAMES: Record<StageName, string[]> = {
  receiver: ['STREAM_PREFIX'],
  expander: ['STREAM_PREFIX'],
  publisher: ['STREAM_PREFIX', 'AMQP_EXCHANGE', 'AMQP_QUEUE', 'AMQP_DLX', 'AMQP_DLQ'],
  reporter: ['STREAM_PREFIX', 'AMQP_EXCHANGE', 'AMQP_RESULTS_QUEUE', 'AMQP_DLX'],
};

const running = new Set<ChildProcess>();
// A test run that dies must not leave stages consuming from the shared servers.
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** Polls GET <baseUrl>/healthz until it answers 200. */
export async function waitForHealthz(
  baseUrl: string,
  timeoutMs = 20_000,
  alive: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const dead = alive();
    if (dead !== undefined) throw new Error(dead);
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = String((err as { cause?: unknown }).cause ?? err);
    }
    if (Date.now() > deadline)
      throw new Error(`${baseUrl}/healthz not healthy after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts one stage as a real child process (after `npm run build`). `env` is added to this
 * process's environment (a variable given as undefined is removed); it must give the unique names (STREAM_PREFIX, and the AMQP
 * exchange/queues of the publisher and reporter). Without HTTP_ADDR / METRICS_ADDR the stage
 * gets a free port on 127.0.0.1, named by `baseUrl`.
 */
export async function startStage(
  name: StageName,
  env: Record<string, string | undefined>,
): Promise<StageProcess> {
  const main = `${root}services/${name}/dist/main.js`;
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const missing = UNIQUE_NAMES[name].filter((v) => !env[v]);
  if (missing.length > 0)
    throw new Error(
      `startStage('${name}'): give ${missing.join(', ')} (uniqueName()) so runs never collide`,
    );

  const addrVar = ADDR_VAR[name];
  const addr = env[addrVar] ?? `127.0.0.1:${await freePort()}`;
  const port = /:(\d+)$/.exec(addr)?.[1];
  if (port === undefined || port === '0')
    throw new Error(`startStage('${name}'): ${addrVar} needs a fixed port (got ${addr})`);

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'info',
    ...env,
    [addrVar]: addr,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const proc = spawn(process.execPath, [main], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const logs: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      logs.push(line);
      for (const l of listeners) l(line);
    });
  }
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    // 'close' comes after the last output: `logs` is complete when this settles.
    proc.once('close', (code, signal) => {
      running.delete(proc);
      exit = { code, signal };
      resolve(exit);
    });
  });
  const tail = () => logs.slice(-15).join('\n');
  const deadReason = () =>
    exit && `${name} exited (code ${exit.code}, signal ${exit.signal}); its last lines:\n${tail()}`;

  const handle: StageProcess = {
    name,
    proc,
    logs,
    json: () =>
      logs.flatMap((l) => {
        if (!l.startsWith('{')) return [];
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    baseUrl: `http://127.0.0.1:${port}`,
    exited,
    get exit() {
      return exit;
    },
    waitForLog(re, timeoutMs = 15_000) {
      const found = logs.find((l) => re.test(l));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<string>((resolve, reject) => {
        const done = (err: Error | undefined, line?: string) => {
          clearTimeout(timer);
          listeners.delete(onLine);
          if (err) reject(err);
          else resolve(line!);
        };
        const onLine = (line: string) => {
          if (re.test(line)) done(undefined, line);
        };
        const timer = setTimeout(
          () =>
            done(
              new Error(
                `${name}: no log line matching ${re} within ${timeoutMs} ms; last lines:\n${tail()}`,
              ),
            ),
          timeoutMs,
        );
        listeners.add(onLine);
        void exited.then(() => done(new Error(`waiting for ${re}: ${deadReason()}`)));
      });
    },
    waitHealthy: (timeoutMs = 20_000) => waitForHealthz(handle.baseUrl, timeoutMs, deadReason),
    async stop(timeoutMs = 15_000) {
      if (exit) return exit;
      proc.kill('SIGTERM');
      proc.kill('SIGCONT'); // a paused stage handles the SIGTERM once it runs again
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      if (exit) return exit;
      proc.kill('SIGKILL');
      return exited;
    },
    pause: () => void proc.kill('SIGSTOP'),
    resume: () => void proc.kill('SIGCONT'),
  };
  return handle;
}

/** Stops every stage given (SIGTERM, in parallel); for afterEach / afterAll. */
export async function stopStages(stages: (StageProcess | undefined)[]): Promise<void> {
  await Promise.all(stages.map((s) => s?.stop()));
}
