import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_AMQP_URL, DEFAULT_REDIS_URL, redactUrl } from '@solstice/shared';
import { endpointsOf, tcpProblem } from './check-reachable.js';
import { formatLogLine } from './format-log-line.js';
import { StageProcess, type Exit } from './stage-process.js';
import { DEFAULT_CREDENTIALS_DIR, STAGES, stageMain, type StageName as Stage } from './stages.js';

// `npm start`: the four stages as child processes of this one, against local Redis and
// RabbitMQ; each stage's own settings come from the environment as usual.

const NEEDS_AMQP: Stage[] = ['publisher', 'reporter'];
// A long-running supervisor keeps only what an error message may need of each stage's output.
const KEEP_LINES = 50;

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const STAGE_COLOR: Record<string, number> = {
  receiver: 36,
  expander: 35,
  publisher: 34,
  reporter: 32,
  start: 1,
};
const LEVEL_COLOR: Record<string, number> = { WARN: 33, ERROR: 31, FATAL: 31 };

const fail = (line: string): never => {
  process.stderr.write(`start: ${line}\n`);
  process.exit(1);
};

function readOptions(): { stages: Stage[]; stopTimeoutMs: number } {
  let values: { only?: string; 'stop-timeout-ms'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        only: { type: 'string' },
        'stop-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    return fail(
      `${(err as Error).message.split('.')[0]} (options: --only receiver,expander --stop-timeout-ms N)`,
    );
  }
  if (values.help) {
    process.stdout.write(
      'usage: npm start -- [--only receiver,expander,publisher,reporter] [--stop-timeout-ms 20000]\n' +
        'Runs the stages against REDIS_URL and AMQP_URL (defaults: local servers), restarts\n' +
        'one that crashes, and stops them all on Ctrl-C or SIGTERM.\n',
    );
    process.exit(0);
  }
  const names = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names?.filter((n) => !(STAGES as readonly string[]).includes(n)) ?? [];
  if (unknown.length > 0 || names?.length === 0)
    fail(`--only: expected stage names among ${STAGES.join(', ')}, got '${values.only}'`);
  const timeout = values['stop-timeout-ms'] ?? '20000';
  if (!/^\d+$/.test(timeout)) fail(`--stop-timeout-ms: expected milliseconds, got '${timeout}'`);
  return {
    stages: STAGES.filter((s) => names === undefined || names.includes(s)),
    stopTimeoutMs: Number(timeout),
  };
}

/** One line per server that cannot be reached, saying how to start it. */
async function serverProblems(stages: Stage[]): Promise<string[]> {
  const servers = [
    {
      what: 'Redis',
      variable: 'REDIS_URL',
      url: process.env.REDIS_URL || DEFAULT_REDIS_URL,
      how: 'start it with `redis-server` (or `docker compose up -d redis`)',
      needed: true,
    },
    {
      what: 'RabbitMQ',
      variable: 'AMQP_URL',
      url: process.env.AMQP_URL || DEFAULT_AMQP_URL,
      how:
        'start it with `rabbitmq-server` (or `docker compose up -d rabbitmq` and ' +
        'AMQP_URL=amqp://solstice:solstice@127.0.0.1:5672/%2f)',
      needed: stages.some((s) => NEEDS_AMQP.includes(s)),
    },
  ];
  const problems = await Promise.all(
    servers
      .filter((s) => s.needed)
      .map(async (s) => {
        const shown = redactUrl(s.url);
        const all = endpointsOf(s.url);
        if (!all) return `${s.variable}: expected a ${s.what} URL, got '${shown}'`;
        // Several (sentinels, cluster nodes): one that answers is enough to start.
        let problem: string | undefined = 'no address';
        for (const at of all)
          if ((problem = await tcpProblem(at.host, at.port)) === undefined) break;
        return problem === undefined
          ? undefined
          : `${s.what} is not reachable at ${shown} (${problem}): ${s.how}, or set ${s.variable}`;
      }),
  );
  return problems.filter((p): p is string => p !== undefined);
}

function write(name: string, width: number, text: string, level?: string): void {
  const prefix = paint(STAGE_COLOR[name] ?? 0, `[${name.padEnd(width)}]`);
  const body = level && LEVEL_COLOR[level] ? paint(LEVEL_COLOR[level], text) : text;
  process.stdout.write(`${prefix} ${body}\n`);
}

async function main(): Promise<void> {
  const { stages, stopTimeoutMs } = readOptions();
  const problems = await serverProblems(stages);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`start: ${p}\n`);
    process.exit(1);
  }
  for (const s of stages) {
    if (!existsSync(stageMain(s)))
      fail(
        `services/${s}/dist/main.js is missing: run \`npm run build\` (npm start does it first)`,
      );
  }

  // The App's credentials: where `solstice app create` and the receiver's page write them.
  const env = {
    ...process.env,
    CREDENTIALS_DIR: process.env.CREDENTIALS_DIR || DEFAULT_CREDENTIALS_DIR,
  };
  const width = Math.max(...[...stages, 'start'].map((s) => s.length));
  const supervisors = new Map<Stage, StageProcess>();
  for (const name of stages) {
    const supervisor = new StageProcess({
      label: name,
      script: stageMain(name),
      env,
      keepLines: KEEP_LINES,
      ownProcessGroup: true,
      onLine: (line) => {
        const { text, level } = formatLogLine(line);
        write(name, width, text, level);
      },
      say: (message) => write('start', width, `${name} ${message}`),
      restart: {
        onGiveUp: () => {
          if ([...supervisors.values()].every((s) => s.gaveUp)) {
            write(
              'start',
              width,
              'no stage is left running; fix the configuration and start again',
            );
            process.exit(1);
          }
        },
      },
    });
    supervisors.set(name, supervisor);
    supervisor.start();
  }

  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // npm forwards the terminal's Ctrl-C that this process also got: one press, two signals.
      if (Date.now() - stoppingSince < 1000) return;
      write('start', width, `${signal} again: killing every stage now`);
      for (const s of supervisors.values()) void s.kill();
      process.exit(1);
    }
    stoppingSince = Date.now();
    write('start', width, `${signal}: stopping every stage (Ctrl-C again to kill them at once)`);
    void stopAll();
  };
  const stopAll = async () => {
    // A stage that is down (crashed and waiting to restart, or given up) has nothing to stop.
    const up = [...supervisors].filter(([, s]) => s.running);
    for (const [, s] of supervisors) if (!s.running) void s.stop(stopTimeoutMs);
    const exits = await Promise.all(
      up.map(async ([name, s]) => [name, await s.stop(stopTimeoutMs)] as const),
    );
    let clean = true;
    for (const [name, exit] of exits) {
      clean &&= exit.code === 0;
      write('start', width, `${name} ${describeExit(exit, stopTimeoutMs)}`);
    }
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function describeExit(exit: Exit, timeoutMs: number): string {
  // Only stop() sends SIGKILL here, when the grace time is over.
  if (exit.signal === 'SIGKILL') return `did not stop within ${timeoutMs / 1000} s: killed`;
  if (exit.signal) return `stopped by ${exit.signal}`;
  return exit.code === 0 ? 'stopped' : `stopped with exit code ${exit.code}`;
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
