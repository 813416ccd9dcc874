import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { decideRestart, type RestartPolicy } from './restart-policy.js';
import { ROOT } from './stages.js';

export { ROOT, STAGES, stageMain, type StageName } from './stages.js';
export { CONFIG_ERROR_EXIT, restartDelayMs, type RestartPolicy } from './restart-policy.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StageProcessOptions {
  /** The name its messages carry, e.g. `expander#2`. */
  label: string;
  /** The JavaScript file node runs (a stage: stageMain(name)). */
  script: string;
  /** The child's whole environment (PATH is added when missing). */
  env: NodeJS.ProcessEnv;
  /** Default: the repository root. */
  cwd?: string;
  /** Every line the program writes, stdout and stderr, as it comes. */
  onLine?: (line: string) => void;
  /** What happens to the program: started, crashed, restarting, given up. */
  say?: (message: string) => void;
  /** Keep only the last N lines in `lines` (default: all of them, for tests that search them). */
  keepLines?: number;
  /** Its own process group: a Ctrl-C in the terminal reaches only this process, which stops each child once. */
  ownProcessGroup?: boolean;
  /** Default: none (a program that exits stays down until start() is called). */
  restart?: RestartPolicy;
}

const running = new Set<ChildProcess>();
// A test run, bench or `npm start` that dies must not leave stages consuming from the servers.
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/**
 * One program of the pipeline running as a child process of this one (`npm start`, the test
 * harness, the benches): its output line by line; stop() asks it to finish (SIGTERM) and
 * kills it after a grace time; with a restart policy it is started again when it crashes.
 */
export class StageProcess {
  readonly lines: string[] = [];
  /** True once the restart policy gave up on it (a configuration error). */
  gaveUp = false;
  private proc: ChildProcess | undefined;
  private exitInfo: Exit | undefined;
  private exitedPromise: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private readonly listeners = new Set<(line: string) => void>();
  private paused = false;
  private stopping = false;
  private startedAt = 0;
  private consecutive = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(readonly o: StageProcessOptions) {}

  get label(): string {
    return this.o.label;
  }

  get pid(): number | undefined {
    return this.running ? this.proc!.pid : undefined;
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
    const { o } = this;
    this.stopping = false;
    clearTimeout(this.restartTimer);
    const proc = spawn(process.execPath, [o.script], {
      cwd: o.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: o.ownProcessGroup ?? false,
    });
    this.proc = proc;
    this.exitInfo = undefined;
    this.paused = false;
    this.startedAt = Date.now();
    running.add(proc);
    proc.once('error', (err) => o.say?.(`could not start: ${err.message}`));
    this.exitedPromise = new Promise((resolve) => {
      // 'close' comes after the last output: `lines` is complete when this settles.
      proc.once('close', (code, signal) => {
        running.delete(proc);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
        this.restartAfter(this.exitInfo);
      });
    });
    for (const stream of [proc.stdout, proc.stderr])
      createInterface({ input: stream }).on('line', (line) => this.take(line));
    o.say?.(`started (pid ${proc.pid})`);
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

  /**
   * SIGTERM, then SIGKILL after `graceMs`; resolves with the exit (the last one when it was
   * not running). Cancels a pending restart.
   */
  async stop(graceMs = 15_000): Promise<Exit> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (!this.running) return this.exitInfo ?? { code: null, signal: null };
    const proc = this.proc!;
    proc.kill('SIGTERM');
    // Paused by pause(), it could not act on the SIGTERM.
    if (this.paused) proc.kill('SIGCONT');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    try {
      return await this.exitedPromise;
    } finally {
      clearTimeout(timer);
    }
  }

  /** kill -9: no chance to finish or ack anything; no restart. */
  async kill(): Promise<Exit> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (!this.running) return this.exitInfo ?? { code: null, signal: null };
    this.proc!.kill('SIGKILL');
    return this.exitedPromise;
  }

  /** SIGSTOP: a program that hangs without dying, until resume(). */
  pause(): void {
    this.paused = true;
    this.proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.paused = false;
    this.proc?.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  private take(line: string): void {
    this.lines.push(line);
    if (this.o.keepLines !== undefined && this.lines.length > this.o.keepLines) this.lines.shift();
    this.o.onLine?.(line);
    for (const l of this.listeners) l(line);
  }

  private restartAfter(exit: Exit): void {
    const policy = this.o.restart;
    if (!policy || this.stopping) return;
    const next = decideRestart(exit, Date.now() - this.startedAt, this.consecutive, policy);
    this.o.say?.(next.message);
    if (next.giveUp) {
      this.gaveUp = true;
      policy.onGiveUp?.();
      return;
    }
    this.consecutive = next.consecutive;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.start();
    }, next.delayMs);
  }
}
