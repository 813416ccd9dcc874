import {
  ConfigReader,
  readCredentialsDir,
  readCheckName,
  readCheckRecordTtl,
  readAmqpSettings,
  readGitHubSettings,
  readStageSettings,
  readReplicaAckSettings,
  type ReplicaAckSettings,
  type AmqpSettings,
  type ConfigSource,
  type GitHubSettings,
  type StageSettings,
} from '@solstice/shared';
import type { WriteRetry } from './write-failure.js';

export interface ReporterConfig {
  stage: StageSettings;
  amqp: AmqpSettings & {
    dlx: string;
    resultsRoutingKey: string;
    resultsQueue: string;
    prefetch: number;
  };
  github: GitHubSettings & { app: NonNullable<GitHubSettings['app']> };
  checkName: string;
  /** Where the orchestrator serves `/jobs/<request_id>/logs`; undefined: no details_url. */
  logsBaseUrl: string | undefined;
  /** LOGS_BASE_URL came from the deprecated ORCH_HTTP_BASE (logged at start). */
  logsBaseUrlDeprecated: boolean;
  checkRecordTtlSeconds: number;
  writers: WriterSettings;
  /** Back-off of a result that cannot be recorded yet (Redis away; it stays unacked meanwhile). */
  resultRetry: { baseMs: number; maxMs: number };
  /** Lines to log at start: settings that are set but no longer read. */
  warnings: string[];
  s3: S3Settings | undefined;
  /** CREDENTIALS_DIR, where the App's credentials may appear (setup state). */
  credentialsDir: string | undefined;
}

/** The reporter's settings before it has the GitHub App (it waits for one in the setup state). */
export type ReporterSettings = Omit<ReporterConfig, 'github'> & { github: GitHubSettings };

/** The per-installation writers of Check Runs (docs/architecture.md). */
export interface WriterSettings {
  /** WRITER_LEASE_MS: an installation's writer lease; a dead copy's lapses after this. */
  leaseMs: number;
  /** WRITER_CONCURRENCY: installations one copy writes for at once. */
  concurrency: number;
  /** WRITE_MAX_ATTEMPTS, WRITE_RETRY_BASE_MS, WRITE_RETRY_MAX_MS: a failing write's retries. */
  retry: WriteRetry;
  /**
   * REDIS_MIN_REPLICAS_ACK, REDIS_REPLICAS_ACK_TIMEOUT_MS: a create's in-flight mark reaches
   * that many replicas before GitHub is asked (0: off), so a failover cannot make it create twice.
   */
  replicaAck: ReplicaAckSettings;
}

export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  /** Base of the links put in Check Runs (default `<S3_ENDPOINT>/<S3_BUCKET>`). */
  publicBaseUrl: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * The reporter's settings from flags and environment, the GitHub App required; throws a
 * ConfigError listing every problem.
 */
export function readReporterConfig(source: ConfigSource = {}): ReporterConfig {
  return read(source, true) as ReporterConfig;
}

/** The same, with the App optional: main waits for it (awaitCredentials) when it is missing. */
export function readReporterSettings(source: ConfigSource = {}): ReporterSettings {
  return read(source, false);
}

/** The settings as a ReporterConfig once they hold the App. */
export function withApp(s: ReporterSettings): ReporterConfig | undefined {
  const { app } = s.github;
  return app === undefined ? undefined : { ...s, github: { ...s.github, app } };
}

function read(source: ConfigSource, appRequired: boolean): ReporterSettings {
  const r = new ConfigReader(source);
  const stage = readStageSettings(r, '0.0.0.0:9103');
  const amqp = {
    ...readAmqpSettings(r),
    dlx: r.string('AMQP_DLX', 'solstice.dlx'),
    resultsRoutingKey: r.string('AMQP_RESULTS_ROUTING_KEY', 'jobresult.v1'),
    resultsQueue: r.string('AMQP_RESULTS_QUEUE', 'solstice.results.v1'),
    prefetch: r.int('RESULTS_PREFETCH', 16, { min: 1, max: 10_000 }),
  };
  const github = readGitHubSettings(r);
  if (appRequired && !github.app && !r.problems.some((p) => p.startsWith('GITHUB_APP'))) {
    r.fail(
      'GITHUB_APP_ID',
      'the GitHub App id, with GITHUB_APP_KEY_PATH or GITHUB_APP_KEY: the reporter writes Check Runs as the App',
    );
  }
  const logsUrl = r.url('LOGS_BASE_URL', undefined, ['http:', 'https:']);
  const orchUrl = logsUrl ? undefined : r.url('ORCH_HTTP_BASE', undefined, ['http:', 'https:']);
  const logsBaseUrl = logsUrl ?? orchUrl;
  const config: ReporterSettings = {
    stage,
    amqp,
    github,
    checkName: readCheckName(r),
    logsBaseUrl: logsBaseUrl && trimSlash(logsBaseUrl),
    logsBaseUrlDeprecated: orchUrl !== undefined,
    checkRecordTtlSeconds: readCheckRecordTtl(r),
    writers: {
      leaseMs: r.int('WRITER_LEASE_MS', 10_000, { min: 300, max: 600_000 }),
      concurrency: r.int('WRITER_CONCURRENCY', 32, { min: 1, max: 1000 }),
      retry: {
        maxAttempts: r.int('WRITE_MAX_ATTEMPTS', 20, { min: 1, max: 1000 }),
        baseMs: r.int('WRITE_RETRY_BASE_MS', 1000, { min: 1, max: 3_600_000 }),
        maxMs: r.int('WRITE_RETRY_MAX_MS', 60_000, { min: 1, max: 3_600_000 }),
      },
      replicaAck: readReplicaAckSettings(r),
    },
    warnings: removedSettings(r),
    resultRetry: {
      baseMs: r.int('RESULT_RETRY_BASE_MS', 1000, { min: 1 }),
      maxMs: r.int('RESULT_RETRY_MAX_MS', 60_000, { min: 1 }),
    },
    s3: readS3Settings(r, logsBaseUrl),
    credentialsDir: readCredentialsDir(r)?.dir,
  };
  r.done();
  return config;
}

/** Settings earlier versions read: set, they are named in one line at start (not an error). */
function removedSettings(r: ConfigReader): string[] {
  return r.raw('CHECK_CREATE_LEASE_MS') === undefined
    ? []
    : [
        'CHECK_CREATE_LEASE_MS is no longer read: one writer per installation holds a lease of WRITER_LEASE_MS (default 10000) instead',
      ];
}

function readS3Settings(r: ConfigReader, logsBaseUrl: string | undefined): S3Settings | undefined {
  const endpoint = r.url('S3_ENDPOINT', undefined, ['http:', 'https:']);
  const bucket = r.string('S3_BUCKET');
  const region = r.string('S3_REGION', 'us-east-1');
  const publicUrl = r.url('S3_PUBLIC_URL', undefined, ['http:', 'https:']);
  if (endpoint === undefined && bucket === undefined) return undefined;
  if (endpoint === undefined) return r.fail('S3_ENDPOINT', 'a URL when S3_BUCKET is set');
  if (bucket === undefined) return r.fail('S3_BUCKET', 'a bucket name when S3_ENDPOINT is set');
  if (logsBaseUrl === undefined)
    return r.fail('LOGS_BASE_URL', 'a URL when S3_ENDPOINT is set (job logs are fetched there)');
  return {
    endpoint: trimSlash(endpoint),
    bucket,
    region,
    publicBaseUrl: trimSlash(publicUrl ?? `${trimSlash(endpoint)}/${bucket}`),
  };
}
