import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { createRedis, keysFor, type Keys, type Redis } from '@solstice/shared';
import {
  CheckRunStore,
  ContentStore,
  GitHubStandIn,
  WebhookSender,
  appRoutes,
  checkRoutes,
  contentRoutes,
  deliveryRoutes,
  generateAppKey,
  type StandInDelivery,
} from '../github-standin/index.js';
import { freePort } from './free-port.js';
import { StageProcess, type ProgramName } from './stage-process.js';

export type StageName = 'receiver' | 'expander' | 'publisher' | 'reporter';
export const STAGES: StageName[] = ['receiver', 'expander', 'publisher', 'reporter'];

export interface PipelineOptions {
  redisUrl: string;
  amqpUrl: string;
  /** A label for names (queues, prefix): unique per run is added. */
  label?: string;
  /** Extra environment for every stage (e.g. CLAIM_MIN_IDLE_MS). */
  env?: Record<string, string>;
  /** How long the demo orchestrator "runs" a job. */
  jobMs?: number;
  /** Every output line of every process. */
  onLine?: (label: string, line: string) => void;
  /** Leave the names (prefix, queues) as given, e.g. the defaults for the demo. */
  names?: Partial<PipelineNames>;
}

export interface PipelineNames {
  prefix: string;
  exchange: string;
  queue: string;
  dlx: string;
  dlq: string;
  resultsQueue: string;
}

/**
 * The whole pipeline on this machine for tests, the demo and benchmarks: the GitHub
 * stand-in (in this process), the four stages and the demo orchestrator as child
 * processes, with names unique to this run on the given Redis and RabbitMQ.
 */
export class Pipeline {
  readonly names: PipelineNames;
  readonly keys: Keys;
  readonly appId = 4242;
  readonly hookId = 91_000_001;
  readonly installationId = 31_337;
  readonly secret = `whsec-${randomUUID()}`;
  readonly checkName = 'Solstice CI';
  readonly contents = new ContentStore();
  readonly checks = new CheckRunStore();
  readonly sender = new WebhookSender({ appId: this.appId });
  readonly standIn: GitHubStandIn;
  readonly redis: Redis;
  readonly processes = new Map<string, StageProcess>();
  readonly recordKey: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'solstice-pipeline-'));
  private readonly keyPath = join(this.dir, 'app.pem');
  receiverUrl = '';
  logsBaseUrl = '';
  private receiverPort = 0;
  private baseEnv: Record<string, string> = {};

  constructor(readonly o: PipelineOptions) {
    const id = randomUUID().slice(0, 8);
    const label = o.label ?? 'pipeline';
    this.names = {
      prefix: `${label}-${id}`,
      exchange: `${label}-${id}.jobs`,
      queue: `${label}-${id}.jobs.v1`,
      dlx: `${label}-${id}.dlx`,
      dlq: `${label}-${id}.jobs.v1.dlq`,
      resultsQueue: `${label}-${id}.results.v1`,
      ...o.names,
    };
    this.keys = keysFor(this.names.prefix);
    this.recordKey = `${this.names.prefix}:orchestrator:received`;
    const key = generateAppKey();
    writeFileSync(this.keyPath, key, { mode: 0o600 });
    this.standIn = new GitHubStandIn({ appId: this.appId, key })
      .use(appRoutes)
      .use(contentRoutes(this.contents))
      .use(checkRoutes(this.checks))
      .use(deliveryRoutes(this.sender));
    this.redis = createRedis(o.redisUrl, { role: 'worker', name: 'pipeline-harness' });
    // A test may cut this connection on purpose (an outage through a proxy); it reconnects.
    this.redis.on('error', () => undefined);
  }

  /** Owners the App is installed on (any repository of theirs). */
  install(account: string): this {
    this.standIn.addInstallation({ id: this.installationId, account, repos: [] });
    return this;
  }

  async start(stages: StageName[] = STAGES, orchestrator = true): Promise<void> {
    await this.standIn.start();
    this.receiverPort = await freePort();
    const orchPort = await freePort();
    this.receiverUrl = `http://127.0.0.1:${this.receiverPort}/webhooks/github`;
    this.logsBaseUrl = `http://127.0.0.1:${orchPort}`;
    const n = this.names;
    this.baseEnv = {
      REDIS_URL: this.o.redisUrl,
      AMQP_URL: this.o.amqpUrl,
      STREAM_PREFIX: n.prefix,
      AMQP_EXCHANGE: n.exchange,
      AMQP_QUEUE: n.queue,
      AMQP_DLX: n.dlx,
      AMQP_DLQ: n.dlq,
      AMQP_RESULTS_QUEUE: n.resultsQueue,
      GITHUB_API_BASE: this.standIn.url,
      GITHUB_APP_ID: String(this.appId),
      GITHUB_APP_KEY_PATH: this.keyPath,
      GITHUB_WEBHOOK_SECRET: this.secret,
      GITHUB_CHECK_NAME: this.checkName,
      GITHUB_RETRY_BASE_MS: '20',
      GITHUB_WRITE_MIN_MS: '0',
      LOGS_BASE_URL: this.logsBaseUrl,
      HTTP_ADDR: `127.0.0.1:${this.receiverPort}`,
      METRICS_ADDR: '127.0.0.1:0',
      CLAIM_MIN_IDLE_MS: '3000',
      CLAIM_INTERVAL_MS: '500',
      STAGE_BLOCK_MS: '200',
      ORCH_HTTP_ADDR: `127.0.0.1:${orchPort}`,
      ORCH_RECORD_KEY: this.recordKey,
      DEMO_JOB_MS: String(this.o.jobMs ?? 100),
      LOG_LEVEL: 'info',
      ...this.o.env,
    };
    for (const stage of stages) this.startProcess(stage);
    await this.waitReady(stages);
    if (orchestrator) {
      // The publisher declares the jobs queue the orchestrator consumes.
      const orch = this.startProcess('demo-orchestrator');
      await orch.waitForLine(/consuming JobRequests/, 30_000);
    }
  }

  /** Starts one more copy (or the first) of a program; its label is name#k. */
  startProcess(name: ProgramName, env: Record<string, string> = {}): StageProcess {
    let k = 1;
    while (this.processes.has(`${name}#${k}`)) k++;
    const label = `${name}#${k}`;
    const p = new StageProcess(name, label, { ...this.baseEnv, ...env }, this.o.onLine).start();
    this.processes.set(label, p);
    return p;
  }

  process(label: string): StageProcess {
    const p = this.processes.get(label.includes('#') ? label : `${label}#1`);
    if (!p) throw new Error(`no process ${label}`);
    return p;
  }

  /** Waits until each stage answers (the receiver's /healthz; the others' first log lines). */
  async waitReady(stages: StageName[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (const stage of stages) {
      if (stage === 'receiver') {
        for (;;) {
          try {
            const res = await fetch(`http://127.0.0.1:${this.receiverPort}/readyz`);
            if (res.ok) break;
          } catch {
            // not listening yet
          }
          if (Date.now() > deadline)
            throw new Error(
              `receiver not ready:\n${this.process('receiver').lines.slice(-10).join('\n')}`,
            );
          await new Promise((r) => setTimeout(r, 100));
        }
      } else {
        await this.process(stage).waitForLine(
          /ops server listening/,
          Math.max(1000, deadline - Date.now()),
        );
      }
    }
    // The publisher declares the topology the reporter and orchestrator rely on.
    if (stages.includes('publisher'))
      await this.process('publisher').waitForLine(/AMQP connected|topology/i, 30_000);
  }

  /** Sends a signed webhook as GitHub would (through the stand-in's sender, so it is listed as a delivery). */
  send(event: string, payload: unknown): Promise<StandInDelivery> {
    return this.sender.sendWebhook({
      url: this.receiverUrl,
      secret: this.secret,
      event,
      payload,
      hookId: this.hookId,
      installationId: this.installationId,
    });
  }

  /** Every JobRequest the orchestrator received (duplicates included). */
  async received(): Promise<
    { request_id: string; workflow_job_id: string | null; [k: string]: unknown }[]
  > {
    return (await this.redis.lrange(this.recordKey, 0, -1)).map((s) => JSON.parse(s));
  }

  async streamLength(stream: string): Promise<number> {
    return this.redis.xlen(stream);
  }

  /** Pending entries of every group on every stream of this pipeline. */
  async pending(): Promise<number> {
    let total = 0;
    for (const stream of [this.keys.events, this.keys.jobs, this.keys.checks]) {
      const groups = (await this.redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
      for (const g of groups) {
        const i = g.indexOf('pending');
        total += Number(g[i + 1] ?? 0);
      }
    }
    return total;
  }

  async deadCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const stream of [this.keys.events, this.keys.jobs, this.keys.checks]) {
      out[this.keys.dead(stream)] = await this.redis.xlen(this.keys.dead(stream));
    }
    return out;
  }

  /** Resident memory of each running process, in MiB (Linux /proc). */
  async rss(): Promise<Record<string, number>> {
    const { readFile } = await import('node:fs/promises');
    const out: Record<string, number> = {};
    for (const [label, p] of this.processes) {
      if (!p.running || !p.pid) continue;
      const status = await readFile(`/proc/${p.pid}/status`, 'utf8').catch(() => '');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      out[label] = Math.round((kb / 1024) * 10) / 10;
    }
    return out;
  }

  /** Stops every process (SIGTERM), then removes this run's queues, exchanges and keys. */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop().catch(() => undefined)));
    await this.standIn.close();
    await this.cleanAmqp().catch(() => undefined);
    if (!this.o.names?.prefix) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(
          cursor,
          'MATCH',
          `${this.names.prefix}:*`,
          'COUNT',
          1000,
        );
        if (keys.length) await this.redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    await this.redis.quit().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async cleanAmqp(): Promise<void> {
    if (this.o.names?.queue) return;
    const conn = await connect(this.o.amqpUrl);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const n = this.names;
    for (const q of [n.queue, n.dlq, n.resultsQueue, `${n.resultsQueue}.dlq`])
      await ch.deleteQueue(q);
    for (const x of [n.exchange, n.dlx]) await ch.deleteExchange(x);
    await conn.close();
  }
}
