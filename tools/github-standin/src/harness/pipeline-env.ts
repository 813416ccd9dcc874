import { randomUUID } from 'node:crypto';

/** Every name a pipeline run uses on the shared servers. */
export interface PipelineNames {
  prefix: string;
  exchange: string;
  queue: string;
  dlx: string;
  dlq: string;
  resultsQueue: string;
}

/** Names unique to one run (`<label>-<8 hex>…`), except those given. */
export function pipelineNames(label: string, given: Partial<PipelineNames> = {}): PipelineNames {
  const run = `${label}-${randomUUID().slice(0, 8)}`;
  return {
    prefix: run,
    exchange: `${run}.jobs`,
    queue: `${run}.jobs.v1`,
    dlx: `${run}.dlx`,
    dlq: `${run}.jobs.v1.dlq`,
    resultsQueue: `${run}.results.v1`,
    ...given,
  };
}

export interface PipelineEnvOptions {
  redisUrl: string;
  amqpUrl: string;
  names: PipelineNames;
  github: { apiBase: string; appId: number; keyPath: string; secret: string; checkName: string };
  receiverAddr: string;
  orchestrator: { addr: string; recordKey: string; jobMs: number };
}

/**
 * The environment every program of a pipeline run starts with: this run's names, the
 * GitHub stand-in as GitHub, and quick GitHub retries; the stages' stream timings (claims,
 * heartbeats, retries) are their defaults: a dead copy's entries are taken in seconds.
 */
export function pipelineEnv(o: PipelineEnvOptions): Record<string, string> {
  const n = o.names;
  return {
    REDIS_URL: o.redisUrl,
    AMQP_URL: o.amqpUrl,
    STREAM_PREFIX: n.prefix,
    AMQP_EXCHANGE: n.exchange,
    AMQP_QUEUE: n.queue,
    AMQP_DLX: n.dlx,
    AMQP_DLQ: n.dlq,
    AMQP_RESULTS_QUEUE: n.resultsQueue,
    GITHUB_API_BASE: o.github.apiBase,
    GITHUB_APP_ID: String(o.github.appId),
    GITHUB_APP_KEY_PATH: o.github.keyPath,
    GITHUB_WEBHOOK_SECRET: o.github.secret,
    GITHUB_CHECK_NAME: o.github.checkName,
    GITHUB_RETRY_BASE_MS: '20',
    GITHUB_WRITE_MIN_MS: '0',
    LOGS_BASE_URL: `http://${o.orchestrator.addr}`,
    HTTP_ADDR: o.receiverAddr,
    STAGE_BLOCK_MS: '200',
    ORCH_HTTP_ADDR: o.orchestrator.addr,
    ORCH_RECORD_KEY: o.orchestrator.recordKey,
    DEMO_JOB_MS: String(o.orchestrator.jobMs),
    LOG_LEVEL: 'info',
  };
}
