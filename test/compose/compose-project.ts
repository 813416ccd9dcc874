import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
// An empty --env-file: a developer's .env in the checkout is not read (docker-compose wants a file).
const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'solstice-compose-env-')), 'empty.env');
writeFileSync(emptyEnvFile, '');

/** A command's output; a failing command throws with its stderr. */
export async function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, {
      cwd: root,
      env,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

export interface ContainerState {
  Id: string;
  Name: string;
  RestartCount: number;
  Config: { Env: string[]; Labels: Record<string, string> };
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    OOMKilled: boolean;
    Health?: { Status: string };
  };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    SecurityOpt: string[] | null;
    Memory: number;
  };
}

export const serviceOf = (c: ContainerState) => c.Config.Labels['com.docker.compose.service']!;

/**
 * One compose project: the real compose.yaml (and overlays) under a name of its own, with host
 * ports away from the host's own servers, and only the variables given here (no NODE_ENV or
 * other leak of the test runner's environment into the interpolation).
 */
export class ComposeProject {
  readonly name = `solstice-ct-${randomBytes(3).toString('hex')}`;
  readonly ports: Record<string, number>;
  /** The variables compose interpolates (set more before the first command). */
  readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly files: string[],
    settings: Record<string, string>,
    private readonly profiles: string[] = [],
  ) {
    // 21000-24990: clear of the host servers (6379, 5672, 15672, 25672) and of the ephemeral range.
    const base = 21_000 + Math.floor(Math.random() * 400) * 10;
    this.ports = {
      REDIS_HOST_PORT: base,
      RABBITMQ_HOST_PORT: base + 1,
      RABBITMQ_MANAGEMENT_HOST_PORT: base + 2,
      RECEIVER_HOST_PORT: base + 3,
      STANDIN_HOST_PORT: base + 4,
      ORCH_HOST_PORT: base + 5,
    };
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // A busy engine (vfs storage copies every container's files) may take minutes per call.
      COMPOSE_HTTP_TIMEOUT: '600',
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
      ...Object.fromEntries(Object.entries(this.ports).map(([k, v]) => [k, String(v)])),
      ...settings,
    };
  }

  url(portVar: string, path = '/'): string {
    return `http://127.0.0.1:${this.ports[portVar]}${path}`;
  }

  /** docker-compose with this project's name, files and variables (no .env is read). */
  compose(...args: string[]): Promise<string> {
    const files = this.files.flatMap((f) => ['-f', f]);
    const profiles = this.profiles.flatMap((p) => ['--profile', p]);
    return sh(
      'docker-compose',
      [
        '-p',
        this.name,
        '--project-directory',
        root,
        '--env-file',
        emptyEnvFile,
        ...files,
        ...profiles,
        ...args,
      ],
      this.env,
    );
  }

  async ids(service?: string, all = false): Promise<string[]> {
    const out = await this.compose(
      'ps',
      ...(all ? ['-a'] : []),
      '-q',
      ...(service ? [service] : []),
    );
    return out.split('\n').filter((l) => l.trim() !== '');
  }

  async inspect(ids?: string[]): Promise<ContainerState[]> {
    const list = ids ?? (await this.ids(undefined, true));
    if (list.length === 0) return [];
    return JSON.parse(await sh('docker', ['inspect', ...list])) as ContainerState[];
  }

  /**
   * Waits until every container is healthy (or running, when it has no healthcheck), the
   * one-shot `secrets` exited 0; fails at once on a container that exited otherwise.
   */
  async waitHealthy(timeoutMs: number): Promise<ContainerState[]> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const states = await this.inspect();
      const waiting: string[] = [];
      for (const c of states) {
        const s = c.State;
        if (serviceOf(c) === 'secrets') {
          if (s.Status === 'exited' && s.ExitCode !== 0)
            throw new Error(`${c.Name} exited ${s.ExitCode}:\n${await this.logs(c.Id)}`);
          if (s.Status !== 'exited') waiting.push(`${c.Name} ${s.Status}`);
          continue;
        }
        if (s.Status === 'exited' || c.RestartCount > 0)
          throw new Error(
            `${c.Name}: ${s.Status} (exit ${s.ExitCode}, restarts ${c.RestartCount}):\n${await this.logs(c.Id)}`,
          );
        const ok = s.Health ? s.Health.Status === 'healthy' : s.Running;
        if (!ok) waiting.push(`${c.Name} ${s.Health?.Status ?? s.Status}`);
      }
      last = waiting.join(', ');
      if (states.length > 0 && waiting.length === 0) return states;
      if (Date.now() > deadline) throw new Error(`not healthy in ${timeoutMs} ms: ${last}`);
      await sleep(2000);
    }
  }

  async logs(id: string): Promise<string> {
    const { stdout, stderr } = await run('docker', ['logs', '--tail', '40', id], {
      env: this.env,
      encoding: 'utf8',
    }).catch((e: { stdout?: string; stderr?: string }) => ({
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }));
    return stdout + stderr;
  }

  /** A file inside a service's (first) container. */
  async read(service: string, path: string): Promise<string> {
    return (await this.compose('exec', '-T', service, 'cat', path)).trim();
  }

  down(volumes = true): Promise<string> {
    return this.compose('down', ...(volumes ? ['-v'] : []), '--remove-orphans', '-t', '5');
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, or fails after `timeoutMs` with the last state. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms (${lastError})`);
    await sleep(1000);
  }
}

/** One HTTP request on a connection of its own (no keep-alive: the ingress balances connections). */
export function httpRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: o.method ?? 'GET', headers: o.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
