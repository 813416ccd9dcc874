import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root, from tools/dist/harness or tools/src/harness. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ProgramName = 'receiver' | 'expander' | 'publisher' | 'reporter' | 'demo-orchestrator';

export function programPath(name: ProgramName): string {
  return name === 'demo-orchestrator'
    ? `${ROOT}tools/dist/demo-orchestrator.js`
    : `${ROOT}services/${name}/dist/main.js`;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<ChildProcess>();
// A test run or bench that dies must not leave stages consuming from the shared servers.
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/**
 * One program of the pipeline running as a child process (built JavaScript), its output
 * kept line by line; it can be stopped (SIGTERM, waits) or killed (SIGKILL) and started again.
 */
export class StageProcess {
  readonly lines: string[] = [];
  private proc: ChildProcess | undefined;
  private exitInfo: Exit | undefined;
  private exitedPromise: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private listeners = new Set<(line: string) => void>();

  constructor(
    readonly name: ProgramName,
    readonly label: string,
    /** The child's whole environment (PATH is added when missing). */
    private readonly env: NodeJS.ProcessEnv,
    private readonly onLine?: (label: string, line: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.exitInfo === undefined;
  }

  /** How the last start ended, once it has. */
  get exit(): Exit | undefined {
    return this.exitInfo;
  }

  /** Settles when the last start has exited (after its last line of output). */
  get exited(): Promise<Exit> {
    return this.exitedPromise;
  }

  start(): this {
    const proc = spawn(process.execPath, [programPath(this.name)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.exitInfo = undefined;
    running.add(proc);
    this.exitedPromise = new Promise((resolve) => {
      // 'close' comes after the last output: `lines` is complete when this settles.
      proc.once('close', (code, signal) => {
        running.delete(proc);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        this.onLine?.(this.label, line);
        for (const l of this.listeners) l(line);
      });
    }
    return this;
  }

  /** The last lines, for an error message. */
  tail(n = 15): string {
    return this.lines.slice(-n).join('\n');
  }

  /**
   * Resolves with the first line (already written when `seen`, or still to come) matching
   * `re`; rejects after `timeoutMs`, or at once if the process exits first.
   */
  waitForLine(re: RegExp, timeoutMs = 20_000, seen = true): Promise<string> {
    if (seen) {
      const line = this.lines.find((l) => re.test(l));
      if (line !== undefined) return Promise.resolve(line);
    }
    return new Promise((resolve, reject) => {
      const done = (err: Error | undefined, line?: string) => {
        clearTimeout(timer);
        this.listeners.delete(onLine);
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
              `${this.label}: no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.tail(10)}`,
            ),
          ),
        timeoutMs,
      );
      this.listeners.add(onLine);
      void this.exitedPromise.then((exit) =>
        done(
          new Error(
            `${this.label} exited (code ${exit.code}, signal ${exit.signal}) while waiting for ${re}; its last lines:\n${this.tail()}`,
          ),
        ),
      );
    });
  }

  /** SIGTERM (and SIGCONT, for a paused one), then SIGKILL after `graceMs`; resolves with the exit. */
  async stop(graceMs = 15_000): Promise<Exit> {
    if (!this.running) return this.exitInfo ?? { code: null, signal: null };
    this.proc!.kill('SIGTERM');
    this.proc!.kill('SIGCONT');
    const timer = setTimeout(() => this.proc?.kill('SIGKILL'), graceMs);
    try {
      return await this.exitedPromise;
    } finally {
      clearTimeout(timer);
    }
  }

  /** kill -9: no chance to finish or ack anything. */
  async kill(): Promise<Exit> {
    if (!this.running) return this.exitInfo ?? { code: null, signal: null };
    this.proc!.kill('SIGKILL');
    return this.exitedPromise;
  }

  signal(sig: NodeJS.Signals): void {
    this.proc?.kill(sig);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }
}
