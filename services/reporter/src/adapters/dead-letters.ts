import { randomUUID } from 'node:crypto';
import {
  PublishingLink,
  deadQueueOf,
  deadStreamOf,
  envelopeToFields,
  type CheckRecord,
  type Logger,
  type Redis,
} from '@solstice/shared';
import type { ReporterConfig } from '../config.js';
import { declareResultsTopology } from './results-topology.js';

/** The AMQP header that says why the reporter dead-lettered a JobResult. */
export const REASON_HEADER = 'x-solstice-reason';

/** Where the reporter puts what it will not or cannot show, with the reason. */
export interface DeadLetters {
  /** For connectAmqp's setup: opens the confirm channel to the results DLQ. */
  setup: PublishingLink['setup'];
  /**
   * A JobResult, as it came, to the results DLQ with the reason in a header; true once the
   * broker confirmed it (false: nothing was dead-lettered, the caller falls back).
   */
  result(body: string | Buffer, reason: string, requestId?: string): Promise<boolean>;
  /** A queued Check Run given up on: its JobRequest entry to `{P}:checks:dead`. */
  checksEntry(record: CheckRecord, reason: string): Promise<void>;
  close(): Promise<void>;
}

export function createDeadLetters(o: {
  config: ReporterConfig;
  redis: Redis;
  checksStream: string;
  log: Logger;
}): DeadLetters {
  const a = o.config.amqp;
  // Through the DLX, routed by the results queue's name: where RabbitMQ itself dead-letters.
  const link = new PublishingLink({
    exchange: a.dlx,
    routingKey: a.resultsQueue,
    messageType: 'jobresult.v1',
    confirmTimeoutMs: 10_000,
    declare: (ch) =>
      declareResultsTopology(ch, {
        exchange: a.exchange,
        dlx: a.dlx,
        queue: a.resultsQueue,
        routingKey: a.resultsRoutingKey,
        queueType: a.queueType,
      }),
    log: o.log,
    logFields: { queue: deadQueueOf(a.resultsQueue) },
  });
  return {
    setup: link.setup,
    async result(body, reason, requestId) {
      const [sent] = await link.publishBatch([
        {
          messageId: requestId ?? randomUUID(),
          body: Buffer.isBuffer(body) ? body : Buffer.from(body),
          headers: { [REASON_HEADER]: reason.slice(0, 1000) },
        },
      ]);
      return sent?.outcome === 'confirmed';
    },
    async checksEntry(record, reason) {
      // The entry as the publisher wrote it, so `solstice dead retry checks` can put it back.
      const fields = record.job
        ? envelopeToFields({
            job: record.job,
            delivery: record.delivery,
            installation_id: record.installation_id,
            check_repository: { owner: record.owner, name: record.repo },
            check_name: record.name,
            workflow_error: record.workflow_error,
          })
        : { request_id: record.request_id };
      const dead = {
        ...fields,
        dead_error: reason.slice(0, 4000),
        dead_group: 'reporter',
        dead_source: 'writer',
        dead_at: new Date().toISOString(),
      };
      await o.redis.xadd(deadStreamOf(o.checksStream), '*', ...Object.entries(dead).flat());
    },
    close: () => link.close(),
  };
}
