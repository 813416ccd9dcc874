import { existsSync } from 'node:fs';
import {
  StageProcess as Program,
  stageMain,
  type Exit,
  type StageName,
} from '@solstice/cli/stage-process';
import { freePort, waitForOk } from '@solstice/github-standin/harness';

export { freePort, type Exit, type StageName };

export interface StageProcess {
  name: StageName;
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
  /** Waits until GET /readyz answers 200 (its servers reachable); rejects at once if the stage exits. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL (a crash), then waits for the exit. */
  kill(): Promise<Exit>;
  /** SIGSTOP / SIGCONT: a stage that hangs without dying. */
  pause(): void;
  resume(): void;
}

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

/** Polls GET <baseUrl>/healthz until it answers 200. */
export function waitForHealthz(
  baseUrl: string,
  timeoutMs = 20_000,
  alive: () => string | undefined = () => undefined,
): Promise<void> {
  return waitForOk(`${baseUrl}/healthz`, timeoutMs, alive);
}

/**
 * Starts one stage as a real child process (after `npm run build`), through the CLI's
 * StageProcess. `env` is added to this process's environment (a variable given as undefined
 * is removed); it must give the unique names (STREAM_PREFIX, and the AMQP exchange/queues of
 * the publisher and reporter). Without HTTP_ADDR / METRICS_ADDR the stage gets a free port on
 * 127.0.0.1, named by `baseUrl`.
 */
export async function startStage(
  name: StageName,
  env: Record<string, string | undefined>,
): Promise<StageProcess> {
  const main = stageMain(name);
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
    // The receiver's ops server (METRICS_ADDR) too, off the default port other runs may hold.
    ...(name === 'receiver' ? { METRICS_ADDR: `127.0.0.1:${await freePort()}` } : {}),
    ...env,
    [addrVar]: addr,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const program = new Program({ label: name, script: main, env: childEnv }).start();
  const deadReason = () =>
    program.exit &&
    `${name} exited (code ${program.exit.code}, signal ${program.exit.signal}); its last lines:\n${program.tail()}`;

  const handle: StageProcess = {
    name,
    logs: program.lines,
    json: () =>
      program.lines.flatMap((l) => {
        if (!l.startsWith('{')) return [];
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    baseUrl: `http://127.0.0.1:${port}`,
    exited: program.exited,
    get exit() {
      return program.exit;
    },
    waitForLog: (re, timeoutMs = 15_000) => program.waitForLine(re, timeoutMs),
    waitHealthy: (timeoutMs = 20_000) => waitForHealthz(handle.baseUrl, timeoutMs, deadReason),
    waitReady: (timeoutMs = 20_000) => waitForOk(`${handle.baseUrl}/readyz`, timeoutMs, deadReason),
    stop: (timeoutMs = 15_000) => program.stop(timeoutMs),
    kill: () => program.kill(),
    pause: () => program.pause(),
    resume: () => program.resume(),
  };
  return handle;
}

/** Stops every stage given (SIGTERM, in parallel); for afterEach / afterAll. */
export async function stopStages(stages: (StageProcess | undefined)[]): Promise<void> {
  await Promise.all(stages.map((s) => s?.stop() ?? Promise.resolve()));
}
