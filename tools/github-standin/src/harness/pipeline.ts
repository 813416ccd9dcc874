import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { ROOT, STAGES, StageProcess, stageMain, type StageName } from '@solstice/cli/stage-process';
import { createRedis, firstAmqpUrl, keysFor, type Keys, type Redis } from '@solstice/shared';
import { createStandIn } from '../create-stand-in.js';
import { CheckRunStore } from '../routes/checks.js';
import { CollaboratorStore } from '../routes/collaborators.js';
import { ContentStore } from '../routes/contents.js';
import { AppManifests } from '../routes/manifests.js';
import type { GitHubStandIn } from '../server.js';
import { generateAppKey } from '../test-app-key.js';
import { WebhookSender, type StandInDelivery } from '../webhook-sender.js';
import { deleteKeys } from './delete-keys.js';
import { freePort } from './free-port.js';
import { pipelineEnv, pipelineNames, type PipelineNames } from './pipeline-env.js';
import { waitForOk } from './wait-for-ok.js';

export { STAGES, type PipelineNames, type StageName };
export type ProgramName = StageName | 'demo-orchestrator';

const ORCHESTRATOR = `${ROOT}tools/github-standin/dist/demo-orchestrator.js`;

export interface PipelineOptions {
  redisUrl: string;
  amqpUrl: string;
  /** A label for names (queues, prefix): unique per run is added. */
  label?: string;
  /** Extra environment for every stage (e.g. RETRY_MIN_IDLE_MS). */
  env?: Record<string, string>;
  /** How long the demo orchestrator "runs" a job. */
  jobMs?: number;
  /** Every output line of every process. */
  onLine?: (label: string, line: string) => void;
  /** Leave the names (prefix, queues) as given, e.g. the defaults for the demo. */
  names?: Partial<PipelineNames>;
  /**
   * A first run: the stages get no App id, key or webhook secret but this CREDENTIALS_DIR
   * (and NODE_ENV=production), so they start in the setup state; the App is registered
   * through the stand-in's manifest flow (`manifests`).
   */
  credentialsDir?: string;
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
  /** Users' roles on repositories, for the collaborator permission endpoint. */
  readonly collaborators = new CollaboratorStore();
  readonly sender = new WebhookSender({ appId: this.appId });
  /** Apps registered through the stand-in's manifest flow. */
  readonly manifests = new AppManifests();
  readonly standIn: GitHubStandIn;
  readonly redis: Redis;
  readonly processes = new Map<string, StageProcess>();
  /** Where each process answers /readyz (its ops server, the receiver's API, the orchestrator's). */
  private readonly readyUrls = new Map<string, string>();
  readonly recordKey: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'solstice-pipeline-'));
  private readonly keyPath = join(this.dir, 'app.pem');
  receiverUrl = '';
  logsBaseUrl = '';
  private receiverPort = 0;
  private baseEnv: Record<string, string> = {};

  constructor(readonly o: PipelineOptions) {
    this.names = pipelineNames(o.label ?? 'pipeline', o.names);
    this.keys = keysFor(this.names.prefix);
    this.recordKey = `${this.names.prefix}:orchestrator:received`;
    const key = generateAppKey();
    writeFileSync(this.keyPath, key, { mode: 0o600 });
    this.standIn = createStandIn({
      appId: this.appId,
      key,
      contents: this.contents,
      checks: this.checks,
      collaborators: this.collaborators,
      sender: this.sender,
      manifests: this.manifests,
    });
    this.redis = createRedis(o.redisUrl, { role: 'worker', name: 'pipeline-harness' });
    // A test may cut this connection on purpose (an outage through a proxy); it reconnects.
    this.redis.on('error', () => undefined);
  }

  /** Owners the App is installed on (any repository of theirs). */
  install(account: string): this {
    this.standIn.addInstallation({ id: this.installationId, account, repos: [] });
    return this;
  }

  /** Another installation of the App, on these repositories of `account` only. */
  installOn(id: number, account: string, repos: string[]): this {
    this.standIn.addInstallation({ id, account, repos: repos.map((r) => `${account}/${r}`) });
    return this;
  }

  async start(stages: readonly StageName[] = STAGES, orchestrator = true): Promise<void> {
    await this.standIn.start();
    this.receiverPort = await freePort();
    const orchPort = await freePort();
    this.receiverUrl = `http://127.0.0.1:${this.receiverPort}/webhooks/github`;
    this.logsBaseUrl = `http://127.0.0.1:${orchPort}`;
    this.baseEnv = {
      ...pipelineEnv({
        redisUrl: this.o.redisUrl,
        amqpUrl: this.o.amqpUrl,
        names: this.names,
        github: {
          apiBase: this.standIn.url,
          appId: this.appId,
          keyPath: this.keyPath,
          secret: this.secret,
          checkName: this.checkName,
        },
        receiverAddr: `127.0.0.1:${this.receiverPort}`,
        orchestrator: {
          addr: `127.0.0.1:${orchPort}`,
          recordKey: this.recordKey,
          jobMs: this.o.jobMs ?? 100,
        },
      }),
      ...this.o.env,
    };
    if (this.o.credentialsDir !== undefined) {
      for (const name of ['GITHUB_APP_ID', 'GITHUB_APP_KEY_PATH', 'GITHUB_WEBHOOK_SECRET'])
        delete this.baseEnv[name];
      Object.assign(this.baseEnv, {
        CREDENTIALS_DIR: this.o.credentialsDir,
        NODE_ENV: 'production',
      });
    }
    const started = await Promise.all(stages.map((stage) => this.startProcess(stage)));
    // In the setup state only the publisher, which needs no credentials, gets ready.
    const ready = this.o.credentialsDir
      ? started.filter((p) => p.label.startsWith('publisher#'))
      : started;
    await this.waitReady(ready);
    if (this.o.credentialsDir) await this.waitHealthy(started);
    // The publisher declares the jobs queue the orchestrator consumes: it starts once that is ready.
    if (orchestrator) await this.waitReady([await this.startProcess('demo-orchestrator')]);
  }

  /**
   * Starts one more copy (or the first) of a program, labelled name#k; every stage gets an ops
   * server (METRICS_ADDR) on a free port of its own (the receiver is probed on its webhook port).
   */
  async startProcess(name: ProgramName, env: Record<string, string> = {}): Promise<StageProcess> {
    let k = 1;
    while (this.processes.has(`${name}#${k}`)) k++;
    const label = `${name}#${k}`;
    const own: Record<string, string> = {};
    let readyUrl = `http://127.0.0.1:${this.receiverPort}/readyz`;
    if (name === 'demo-orchestrator') readyUrl = `${this.logsBaseUrl}/readyz`;
    else {
      const port = await freePort();
      own.METRICS_ADDR = `127.0.0.1:${port}`;
      if (name !== 'receiver') readyUrl = `http://127.0.0.1:${port}/readyz`;
    }
    const p = new StageProcess({
      label,
      script: name === 'demo-orchestrator' ? ORCHESTRATOR : stageMain(name),
      env: { ...this.baseEnv, ...own, ...env },
      onLine: this.o.onLine && ((line) => this.o.onLine!(label, line)),
    }).start();
    this.processes.set(label, p);
    this.readyUrls.set(label, readyUrl);
    return p;
  }

  /** Where a process serves GET /metrics (its ops server). */
  metricsUrl(label: string): string {
    const ready = this.readyUrls.get(label.includes('#') ? label : `${label}#1`);
    if (!ready) throw new Error(`no process ${label}`);
    return ready.replace(/\/readyz$/, '/metrics');
  }

  process(label: string): StageProcess {
    const p = this.processes.get(label.includes('#') ? label : `${label}#1`);
    if (!p) throw new Error(`no process ${label}`);
    return p;
  }

  /** One probe of the process's GET /readyz: false when it is not 200 or no answer comes within 2 s. */
  async isReady(p: StageProcess): Promise<boolean> {
    try {
      const res = await fetch(this.readyUrls.get(p.label)!, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /**
   * Waits until each process answers GET /readyz with 200 (Redis reachable; the publisher's
   * confirm channel open, so its topology declared; the reporter consuming); rejects at once
   * when one exits.
   */
  async waitReady(processes: StageProcess[], timeoutMs = 30_000): Promise<void> {
    await Promise.all(
      processes.map((p) =>
        waitForOk(
          this.readyUrls.get(p.label)!,
          timeoutMs,
          () =>
            p.exit &&
            `${p.label} exited (code ${p.exit.code}, signal ${p.exit.signal}); its last lines:\n${p.tail(10)}`,
        ),
      ),
    );
  }

  /** Waits until each process answers GET /healthz with 200 (up, even in the setup state). */
  async waitHealthy(processes: StageProcess[], timeoutMs = 30_000): Promise<void> {
    await Promise.all(
      processes.map((p) =>
        waitForOk(this.readyUrls.get(p.label)!.replace(/\/readyz$/, '/healthz'), timeoutMs, () =>
          p.exit
            ? `${p.label} exited (code ${p.exit.code}); its last lines:\n${p.tail(10)}`
            : undefined,
        ),
      ),
    );
  }

  /**
   * Sends a signed webhook as GitHub would (through the stand-in's sender, so it is listed as
   * a delivery), with the secret of the App registered last, else the run's own.
   */
  send(event: string, payload: unknown): Promise<StandInDelivery> {
    return this.sender.sendWebhook({
      url: this.receiverUrl,
      secret: this.manifests.latest()?.webhookSecret ?? this.secret,
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
    return (await this.redis.lrange(this.recordKey, 0, -1)).map(
      (s) => JSON.parse(s) as { request_id: string; workflow_job_id: string | null },
    );
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

  /** Stops every process (SIGTERM), then removes this run's queues, exchanges and keys. */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop().catch(() => undefined)));
    await this.standIn.close();
    await this.cleanAmqp().catch(() => undefined);
    if (!this.o.names?.prefix) await deleteKeys(this.redis, `${this.names.prefix}:*`);
    await this.redis.quit().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async cleanAmqp(): Promise<void> {
    if (this.o.names?.queue) return;
    const conn = await connect(firstAmqpUrl(this.o.amqpUrl));
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const n = this.names;
    for (const q of [n.queue, n.dlq, n.resultsQueue, `${n.resultsQueue}.dlq`])
      await ch.deleteQueue(q);
    for (const x of [n.exchange, n.dlx]) await ch.deleteExchange(x);
    await conn.close();
  }
}
