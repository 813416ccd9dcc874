import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateAppKey } from '@solstice/github-standin';
import { prefixPool } from '../../../../test/support/keys.js';
import { freePort, waitForHealthz } from '../../../../test/support/processes.js';
import { waitForOk } from '@solstice/github-standin/harness';
import { amqpUrl, redisUrl } from '../../../../test/support/servers.js';
import { waitFor } from '../../../../test/support/wait.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const startJs = `${root}tools/cli/dist/start.js`;
const built =
  existsSync(startJs) &&
  ['receiver', 'expander'].every((s) => existsSync(`${root}services/${s}/dist/main.js`));
if (!built) console.warn(`skipping start.ts tests: ${startJs} is not built (run npm run build)`);

interface Run {
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
  signal: (s: NodeJS.Signals) => void;
}

const runs: Run[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A CREDENTIALS_DIR, empty or holding an App as the registration writes it. */
function credentialsDir(withApp: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'solstice-start-creds-'));
  dirs.push(dir);
  if (withApp) writeApp(dir);
  return dir;
}

function writeApp(dir: string): void {
  writeFileSync(join(dir, 'private-key.pem'), generateAppKey(), { mode: 0o600 });
  writeFileSync(join(dir, 'app-id'), '4242\n', { mode: 0o600 });
}

// The App comes from CREDENTIALS_DIR here: none from the environment of whoever runs the tests.
const NO_APP_ENV = { GITHUB_APP_ID: '', GITHUB_APP_KEY: '', GITHUB_APP_KEY_PATH: '' };
const prefixes = prefixPool('start');
const newPrefix = prefixes.next;

/** `node tools/cli/dist/start.js <args>` with the test's environment added. */
function start(args: string[], env: Record<string, string>): Run {
  const proc = spawn(process.execPath, [startJs, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => stdout.push(l));
  createInterface({ input: proc.stderr }).on('line', (l) => stderr.push(l));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('close', (code) => resolve(code)),
  );
  const run = { stdout, stderr, exited, signal: (s: NodeJS.Signals) => void proc.kill(s) };
  runs.push(run);
  return run;
}

const closedPort = freePort;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const pidsOf = (lines: string[], stage: string) =>
  lines.flatMap((l) => {
    const m = new RegExp(`^\\[start\\s*\\] ${stage} started \\(pid (\\d+)\\)$`).exec(l);
    return m ? [Number(m[1])] : [];
  });

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.signal('SIGTERM');
    await run.exited;
  }
  await prefixes.removeAll();
});

describe.skipIf(!built)('npm start (tools/cli/dist/start.js)', () => {
  it('says in one line that Redis is not reachable and how to start it, and exits 1', async () => {
    const port = await closedPort();
    const run = start(['--only', 'receiver,expander'], { REDIS_URL: `redis://127.0.0.1:${port}` });

    expect(await run.exited).toBe(1);
    expect(run.stderr).toEqual([
      `start: Redis is not reachable at redis://127.0.0.1:${port} (ECONNREFUSED): start it with ` +
        '`redis-server` (or `docker compose up -d redis`), or set REDIS_URL',
    ]);
    expect(run.stdout).toEqual([]);
  });

  it('names each unreachable server on its own line, without the password', async () => {
    const [redisPort, amqpPort] = [await closedPort(), await closedPort()];
    const run = start([], {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      AMQP_URL: `amqp://user:hunter2@127.0.0.1:${amqpPort}/%2f`,
    });

    expect(await run.exited).toBe(1);
    expect(run.stderr).toHaveLength(2);
    expect(run.stderr[0]).toMatch(/^start: Redis is not reachable at .*redis-server/);
    expect(run.stderr[1]).toMatch(
      new RegExp(
        `^start: RabbitMQ is not reachable at amqp://user:\\*\\*\\*@127\\.0\\.0\\.1:${amqpPort}/%2f \\(ECONNREFUSED\\): start it with \`rabbitmq-server\``,
      ),
    );
    expect(run.stderr.join('\n')).not.toContain('hunter2');
  });

  it('rejects an unknown stage name in --only', async () => {
    const run = start(['--only', 'receiver,nonsense'], { REDIS_URL: redisUrl() });
    expect(await run.exited).toBe(1);
    expect(run.stderr).toEqual([
      expect.stringMatching(/^start: --only: expected stage names among receiver, expander/),
    ]);
  });

  it('runs the stages with prefixed output, restarts one that crashes, and stops them all on SIGTERM', async () => {
    const httpPort = await freePort();
    const run = start(['--only', 'receiver,expander'], {
      ...NO_APP_ENV,
      REDIS_URL: redisUrl(),
      AMQP_URL: amqpUrl(),
      STREAM_PREFIX: newPrefix(),
      HTTP_ADDR: `127.0.0.1:${httpPort}`,
      // Both stages have an ops server (METRICS_ADDR) and share this environment: any free port.
      METRICS_ADDR: '127.0.0.1:0',
      CREDENTIALS_DIR: credentialsDir(true),
    });
    /** The port of the latest ops server `stage` said it listens on. */
    const opsUrl = (stage: string) => {
      const lines = run.stdout.filter(
        (l) => l.startsWith(`[${stage}`) && l.includes('ops server listening'),
      );
      return `http://127.0.0.1:${/"port":(\d+)/.exec(lines.at(-1) ?? '')?.[1]}`;
    };
    const started = (stage: string, n: number) =>
      waitFor(
        () =>
          run.stdout.filter((l) =>
            new RegExp(`^\\[${stage}\\s*\\] .*INFO  ${stage} started`).test(l),
          ).length >= n,
        `${stage} started ${n} time(s)`,
        30_000,
      );
    await started('receiver', 1);
    await started('expander', 1);
    await waitForHealthz(`http://127.0.0.1:${httpPort}`);
    await waitForHealthz(opsUrl('expander'));
    // pino lines are rendered short: `[stage   ] HH:MM:SS.mmm LEVEL msg key=value`.
    expect(
      run.stdout.find((l) => l.startsWith('[expander]') && l.includes('expander started')),
    ).toMatch(
      /^\[expander\] \d\d:\d\d:\d\d\.\d{3} INFO {2}expander started events=start-[0-9a-f]+:events /,
    );

    const [firstPid] = pidsOf(run.stdout, 'expander');
    process.kill(firstPid!, 'SIGKILL');
    await waitFor(
      () =>
        run.stdout.includes(
          '[start   ] expander was killed by SIGKILL; restarting in 1 s (restart 1)',
        ),
      'the restart notice',
    );
    await started('expander', 2);
    const [, secondPid] = pidsOf(run.stdout, 'expander');
    expect(secondPid).not.toBe(firstPid);
    await waitFor(
      () => run.stdout.filter((l) => /^\[expander\].*ops server listening/.test(l)).length >= 2,
      'the second ops server',
    );
    await waitForHealthz(opsUrl('expander'));
    const receiverPid = pidsOf(run.stdout, 'receiver')[0]!;

    run.signal('SIGTERM');

    expect(await run.exited).toBe(0);
    expect(run.stdout).toContain('[start   ] receiver stopped');
    expect(run.stdout).toContain('[start   ] expander stopped');
    expect(run.stdout.some((l) => /^\[receiver\] .* shutting down signal=SIGTERM/.test(l))).toBe(
      true,
    );
    expect(alive(receiverPid)).toBe(false);
    expect(alive(secondPid!)).toBe(false);
  });

  it('keeps a stage without the GitHub App up in the setup state, and starts it once the App appears', async () => {
    const metricsPort = await freePort();
    const ops = `http://127.0.0.1:${metricsPort}`;
    const dir = credentialsDir(false);
    const run = start(['--only', 'expander'], {
      ...NO_APP_ENV,
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: newPrefix(),
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      CREDENTIALS_DIR: dir,
    });
    const setupLines = () =>
      run.stdout.filter((l) => l.includes('setup: waiting for the GitHub App'));
    await waitFor(() => setupLines().length === 1, 'the setup line', 30_000);
    expect(setupLines()[0]).toMatch(/^\[expander\] .* WARN {2}setup: waiting for the GitHub App /);
    expect(setupLines()[0]).toContain(`CREDENTIALS_DIR=${dir}`);
    await waitForHealthz(ops);
    expect((await fetch(`${ops}/readyz`)).status).toBe(503);

    writeApp(dir);
    await waitFor(
      () => run.stdout.some((l) => /INFO {2}expander started/.test(l)),
      'the expander started',
      30_000,
    );
    await waitForOk(`${ops}/readyz`);
    // One start, one line: it waited, it was never restarted.
    expect(pidsOf(run.stdout, 'expander')).toHaveLength(1);
    expect(setupLines()).toHaveLength(1);
    expect(run.stdout.some((l) => l.includes('restarting'))).toBe(false);
  });

  it('kills a stage that does not stop within --stop-timeout-ms, and exits 1', async () => {
    const httpPort = await freePort();
    const run = start(['--only', 'receiver', '--stop-timeout-ms', '1000'], {
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: newPrefix(),
      HTTP_ADDR: `127.0.0.1:${httpPort}`,
    });
    await waitFor(
      () => run.stdout.some((l) => /INFO {2}receiver started/.test(l)),
      'the receiver',
      30_000,
    );
    const pid = pidsOf(run.stdout, 'receiver')[0]!;
    process.kill(pid, 'SIGSTOP'); // hung: it cannot handle the SIGTERM

    run.signal('SIGTERM');

    expect(await run.exited).toBe(1);
    expect(run.stdout).toContain('[start   ] receiver did not stop within 1 s: killed');
    expect(alive(pid)).toBe(false);
  });

  it('does not restart a stage whose configuration is wrong, and exits when none is left', async () => {
    const run = start(['--only', 'expander'], {
      REDIS_URL: redisUrl(),
      STREAM_PREFIX: newPrefix(),
      METRICS_ADDR: `127.0.0.1:${await freePort()}`,
      RUNS_ON_MAP: 'not a map entry',
    });

    expect(await run.exited).toBe(1);
    expect(run.stdout.filter((l) => l.includes('RUNS_ON_MAP'))).toEqual([
      expect.stringMatching(/^\[expander\] expander: configuration error: RUNS_ON_MAP: expected /),
    ]);
    expect(run.stdout).toContain(
      '[start   ] expander exited with code 2: its configuration is wrong (see the lines above); not restarting it',
    );
    expect(run.stdout.at(-1)).toBe(
      '[start   ] no stage is left running; fix the configuration and start again',
    );
    expect(pidsOf(run.stdout, 'expander')).toHaveLength(1);
  });
});
