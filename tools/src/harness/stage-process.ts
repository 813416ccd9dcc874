import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from tools/dist/harness or tools/src/harness. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ProgramName = 'receiver' | 'expander' | 'publisher' | 'reporter' | 'demo-orchestrator';

export function programPath(name: ProgramName): string {
  return name === 'demo-orchestrator'
    ? `${ROOT}tools/dist/demo-orchestrator.js`
    : `${ROOT}services/${name}/dist/main.js`;
}

/**
 * One program of the pipeline running as a child process (built JavaScript), its output
 * kept line by line; it can be stopped (SIGTERM, waits) or killed (SIGKILL) and started again.
 */
export class StageProcess {
  readonly lines: string[] = [];
  private proc: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private waiters: { re: RegExp; from: number; resolve: (line: string) => void }[] = [];

  constructor(
    readonly name: ProgramName,
    readonly label: string,
    private readonly env: Record<string, string>,
    private readonly onLine?: (label: string, line: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): this {
    const proc = spawn(process.execPath, [programPath(this.name)], {
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    let buffered = '';
    const take = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.lines.push(line);
        this.onLine?.(this.label, line);
        for (const w of [...this.waiters]) {
          if (w.re.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    };
    proc.stdout!.on('data', take);
    proc.stderr!.on('data', take);
    return this;
  }

  /** Resolves with the first line (from now on, or already seen when `seen`) matching `re`. */
  waitForLine(re: RegExp, timeoutMs = 20_000, seen = true): Promise<string> {
    if (seen) {
      const line = this.lines.find((l) => re.test(l));
      if (line) return Promise.resolve(line);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `${this.label}: no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-10).join('\n')}`,
          ),
        );
      }, timeoutMs);
      const done = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push({ re, from: this.lines.length, resolve: done });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.running) return this.proc?.exitCode ?? null;
    this.proc!.kill('SIGTERM');
    const timer = setTimeout(() => this.proc?.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** kill -9: no chance to finish or ack anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.proc!.kill('SIGKILL');
    await this.exited;
  }

  signal(sig: NodeJS.Signals): void {
    this.proc?.kill(sig);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }
}
