import type { Server } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import {
  closeAll,
  connectAmqp,
  createGitHubApp,
  createMetrics,
  createStage,
  envelopeFromFields,
  keysFor,
  perEntry,
  startStageOps,
  type Logger,
  type Metrics,
  type RecoveringChannelModel,
  type Stage,
  type StreamEntry,
} from '@solstice/shared';
import { createChecksClient } from './adapters/checks-client.js';
import { createCheckStore } from './adapters/check-store.js';
import { createInstallationLookup } from './adapters/installation-lookup.js';
import { createLogUploader } from './adapters/log-uploader.js';
import { createResultsConsumer, type ResultsConsumer } from './adapters/results-consumer.js';
import { completeCheckRun } from './complete-check-run.js';
import type { ReporterConfig } from './config.js';
import { createQueuedCheckRun } from './create-queued-check-run.js';
import { handleResultMessage } from './handle-result-message.js';
import { reporterMetrics } from './reporter-metrics.js';

export interface Reporter {
  stage: Stage;
  consumer: ResultsConsumer;
  amqp: RecoveringChannelModel;
  metrics: Metrics;
  ops: Server | undefined;
  /** Stops reading both inputs, finishes what is in hand, closes every connection. Idempotent. */
  close(): Promise<void>;
}

// GitHub moves a repository to another installation rarely; an hour bounds a stale answer.
const INSTALLATION_TTL_S = 3600;

/** Wires the reporter's two inputs ({P}:checks and the results queue) to GitHub and S3. */
export async function startReporter(config: ReporterConfig, log: Logger): Promise<Reporter> {
  if (config.logsBaseUrlDeprecated)
    log.warn('ORCH_HTTP_BASE is deprecated: set LOGS_BASE_URL instead (same value)');
  const keys = keysFor(config.stage.streamPrefix);
  const metrics = createMetrics('reporter');
  const counters = reporterMetrics(metrics);

  const stage = createStage({
    group: 'reporter',
    stream: keys.checks,
    settings: config.stage,
    log,
    metrics,
    handle: () => perEntry(onChecksEntry),
  });
  const redis = stage.redis;
  const app = createGitHubApp({
    settings: config.github,
    app: config.github.app,
    redis,
    tokenKey: keys.tokenCache,
    log,
    metrics,
  });
  const store = createCheckStore({
    redis,
    keyFor: keys.checkRun,
    ttlSeconds: config.checkRecordTtlSeconds,
    leaseMs: config.createLeaseMs,
  });
  const installations = createInstallationLookup({
    app,
    redis,
    // TODO(shared/keys.ts): keys.installation(owner, repo) once it exists there.
    keyFor: keys.installation,
    ttlSeconds: INSTALLATION_TTL_S,
  });
  const checks = createChecksClient(app, config.github.app.appId);
  const uploader =
    config.s3 && config.logsBaseUrl
      ? createLogUploader({
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
        })
      : undefined;

  async function onChecksEntry(entry: StreamEntry) {
    const envelope = envelopeFromFields(entry.fields);
    await createQueuedCheckRun(envelope, {
      store,
      checks,
      installations,
      checkName: config.checkName,
      log: log.child({ request_id: envelope.job.request_id, delivery: envelope.delivery }),
      metrics: counters,
    });
    return [];
  }

  const resultDeps = {
    store,
    checks,
    installations,
    uploader,
    checkName: config.checkName,
    logsBaseUrl: config.logsBaseUrl,
    metrics: counters,
  };
  const consumer = createResultsConsumer({
    topology: {
      exchange: config.amqp.exchange,
      dlx: config.amqp.dlx,
      queue: config.amqp.resultsQueue,
      routingKey: config.amqp.resultsRoutingKey,
      queueType: config.amqp.queueType,
      prefetch: config.amqp.prefetch,
    },
    handle: (msg) =>
      handleResultMessage(
        msg.content,
        (result, child) => completeCheckRun(result, { ...resultDeps, log: child }),
        log,
        counters,
      ),
    log,
    retry: config.resultRetry,
  });

  const closers: [string, () => Promise<unknown>][] = [
    ['stream runner', () => stage.runner.stop()],
  ];
  try {
    const amqp = await connectAmqp({ url: config.amqp.amqpUrl, log, setup: consumer.setup });
    closers.push(
      ['results consumer', () => consumer.stop()],
      ['AMQP connection', () => amqp.close()],
    );
    void stage.runner.start();
    const ops = await startStageOps(
      config.stage.metricsAddr,
      {
        registry: metrics.registry,
        ready: async () =>
          consumer.consuming() && !stage.runner.stopped && (await redis.ping()) === 'PONG',
        log,
      },
      closers,
    );
    closers.push(['Redis', () => stage.close()]);
    let closing: Promise<void> | undefined;
    return {
      stage,
      consumer,
      amqp,
      metrics,
      ops,
      close: () => (closing ??= closeAll(log, closers)),
    };
  } catch (err) {
    await closeAll(log, [...closers, ['Redis', () => stage.close()]]);
    throw err;
  }
}
