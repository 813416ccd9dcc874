import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What runMain exits with on a ConfigError: restarting cannot help. */
export const CONFIG_ERROR_EXIT = 2;

/** Wait before the n-th restart in a row: 1 s, 2 s, 4 s … at most 30 s. */
export function restartDelayMs(consecutive: number): number {
  return Math.min(1000 * 2 ** Math.max(consecutive - 1, 0), 30_000);
}

// A stage that stayed up this long was healthy: its next crash starts the back-off again.
const STABLE_MS = 60_000;

export interface StageSupervisorOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** One line the stage wrote. */
  onLine: (line: string) => void;
  /** What the supervisor has to say about the stage (started, crashed, restarting…). */
  say: (message: string) => void;
  /** Called once the stage will not be started again (a configuration error). */
  onGiveUp?: () => void;
  restartDelayMs?: (consecutive: number) => number;
}

export interface StageExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when it had to be killed because it did not stop in time. */
  killed: boolean;
}

/**
 * Runs one stage as a child process and starts it again when it exits by itself, with a
 * growing delay; `stop()` asks it to finish (SIGTERM) and kills it only after a timeout.
 */
export class StageSupervisor {
  private proc: ChildProcess | undefined;
  private startedAt = 0;
  private consecutive = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  gaveUp = false;

  constructor(private readonly o: StageSupervisorOptions) {}

  get pid(): number | undefined {
    return this.proc?.exitCode === null ? this.proc.pid : undefined;
  }

  start(): void {
    const { o } = this;
    // Its own process group: a Ctrl-C in the terminal reaches only the supervisor, which then
    // stops each stage once (a stage takes a second signal as "exit now").
    const proc = spawn(o.command, o.args, {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.proc = proc;
    this.startedAt = Date.now();
    for (const stream of [proc.stdout!, proc.stderr!])
      createInterface({ input: stream }).on('line', (line) => o.onLine(line));
    proc.once('error', (err) => o.say(`could not start: ${err.message}`));
    this.exited = new Promise((resolve) =>
      proc.once('close', (code, signal) => {
        resolve({ code, signal });
        this.onExit(code, signal);
      }),
    );
    o.say(`started (pid ${proc.pid})`);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (code === CONFIG_ERROR_EXIT) {
      this.gaveUp = true;
      this.o.say(`${how}: its configuration is wrong (see the lines above); not restarting it`);
      this.o.onGiveUp?.();
      return;
    }
    if (Date.now() - this.startedAt >= STABLE_MS) this.consecutive = 0;
    this.consecutive++;
    const delay = (this.o.restartDelayMs ?? restartDelayMs)(this.consecutive);
    this.o.say(`${how}; restarting in ${delay / 1000} s (restart ${this.consecutive})`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopping) this.start();
    }, delay);
  }

  /** SIGTERM and wait; SIGKILL after `timeoutMs`. Resolves undefined when it was not running. */
  async stop(timeoutMs: number): Promise<StageExit | undefined> {
    this.stopping = true;
    clearTimeout(this.timer);
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null || !this.exited)
      return undefined;
    proc.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, killed };
  }

  /** SIGKILL now, without waiting (a second Ctrl-C, or the supervisor itself failing). */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null)
      this.proc.kill('SIGKILL');
  }
}
