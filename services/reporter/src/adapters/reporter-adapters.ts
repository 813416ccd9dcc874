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
import { createCheckStore, type CheckStore } from './check-store.js';
import { createChecksClient, type ChecksClient } from './checks-client.js';
import { createLogUploader, type LogUploader } from './log-uploader.js';

/** The reporter's outside world: Check Run records in Redis, GitHub as the App, S3. */
export interface ReporterAdapters {
  store: CheckStore;
  checks: ChecksClient;
  installations: InstallationLookup;
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
  });
  return {
    store: createCheckStore({
      redis,
      keyFor: keys.checkRun,
      ttlSeconds: config.checkRecordTtlSeconds,
      leaseMs: config.createLeaseMs,
    }),
    checks: createChecksClient(app, config.github.app.appId),
    installations: createInstallationLookup({ app, redis, keyFor: keys.installation }),
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
