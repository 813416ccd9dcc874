import { S3Client } from '@aws-sdk/client-s3';
import {
  createGitHubApp,
  createInstallationLookup,
  type InstallationLookup,
  type Keys,
  type Logger,
  type Metrics,
  type Redis,
} from '@solstice/shared';
import type { ReporterConfig } from '../config.js';
import { createChecksClient, type ChecksClient } from './checks-client.js';
import { createDeadLetters, type DeadLetters } from './dead-letters.js';
import { createLogUploader, type LogUploader } from './log-uploader.js';
import { createRecordStore, type RecordStore } from './record-store.js';
import { createWriterStore, type WriterStore } from './writer-store.js';

/** The reporter's outside world: records and writer state in Redis, GitHub as the App, S3, DLQs. */
export interface ReporterAdapters {
  records: RecordStore;
  writers: WriterStore;
  checks: ChecksClient;
  installations: InstallationLookup;
  dead: DeadLetters;
  /** Undefined without S3_ENDPOINT and LOGS_BASE_URL: no log copy. */
  uploader: LogUploader | undefined;
}

export function reporterAdapters(o: {
  config: ReporterConfig;
  redis: Redis;
  keys: Keys;
  log: Logger;
  metrics: Metrics;
}): ReporterAdapters {
  const { config, redis, keys } = o;
  const app = createGitHubApp({
    settings: config.github,
    app: config.github.app,
    redis,
    tokenKey: keys.tokenCache,
    log: o.log,
    metrics: o.metrics,
    // The writers pace, retry and pause by themselves, with state shared by every copy.
    waitInClient: false,
  });
  const gap = config.github.writeMinMs;
  return {
    records: createRecordStore({ redis, keys, ttlSeconds: config.checkRecordTtlSeconds }),
    writers: createWriterStore({
      redis,
      keys,
      leaseMs: config.writers.leaseMs,
      // '0' holds jobs whose installation is being looked up: no write, no pace.
      gapMs: (inst) => (inst === '0' ? 0 : gap),
      replicaAck: config.writers.replicaAck,
    }),
    checks: createChecksClient(app, config.github.app.appId),
    installations: createInstallationLookup({ app, redis, keyFor: keys.installation }),
    dead: createDeadLetters({ config, redis, checksStream: keys.checks, log: o.log }),
    uploader: logUploaderFor(config),
  };
}

function logUploaderFor(config: ReporterConfig): LogUploader | undefined {
  if (!config.s3 || !config.logsBaseUrl) return undefined;
  return createLogUploader({
    s3: new S3Client({
      endpoint: config.s3.endpoint,
      region: config.s3.region,
      forcePathStyle: true,
      // S3-compatible servers (MinIO, s3rver, Ceph) do not all take the SDK's default checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    }),
    bucket: config.s3.bucket,
    publicBaseUrl: config.s3.publicBaseUrl,
    logsBaseUrl: config.logsBaseUrl,
  });
}
