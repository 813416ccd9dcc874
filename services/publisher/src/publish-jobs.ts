import {
  envelopeFromFields,
  envelopeToFields,
  type BatchHandler,
  type EntryOutcome,
  type JobEnvelope,
  type Logger,
  type OutgoingMessage,
  type PublishResult,
} from '@solstice/shared';
import type { PublisherMetrics } from './publisher-metrics.js';
import { toJobMessage } from './to-job-message.js';

export interface PublishJobsOptions {
  /**
   * Writes each job's record (its identity) in Redis; awaited before anything is published,
   * so no JobResult can come back for a request the reporter has no record of.
   */
  recordIdentities: (envelopes: JobEnvelope[]) => Promise<void>;
  publishBatch: (messages: OutgoingMessage[]) => Promise<PublishResult[]>;
  /** `{P}:checks`: where a confirmed JobRequest is recorded for the reporter. */
  checksStream: string;
  log: Logger;
  metrics?: PublisherMetrics;
  now?: () => Date;
}

/**
 * The publisher stage's batch handler: every valid JobEnvelope of `{P}:jobs` gets its record
 * (a failure there fails the batch: nothing is published, the entries are read again), then
 * is published;
 * only a confirmed one gets outputs (its `{P}:checks` record, added by the runner in the same
 * script that acks it). Anything else stays pending and is published again later; an
 * envelope that does not parse is a PermanentError (dead-lettered with the reason).
 */
export function publishJobs(o: PublishJobsOptions): BatchHandler {
  const now = o.now ?? (() => new Date());
  return async (entries) => {
    const outcomes = new Array<EntryOutcome>(entries.length);
    const valid: { index: number; envelope: JobEnvelope }[] = [];
    entries.forEach((entry, index) => {
      try {
        valid.push({ index, envelope: envelopeFromFields(entry.fields) });
      } catch (error) {
        outcomes[index] = { error };
        o.metrics?.published.inc({ outcome: 'invalid' });
      }
    });
    if (valid.length > 0) await o.recordIdentities(valid.map((v) => v.envelope));
    const results =
      valid.length > 0 ? await o.publishBatch(valid.map((v) => toJobMessage(v.envelope.job))) : [];
    const publishedAt = now().toISOString();
    let confirmed = 0;
    const deliveries = new Set<string>();
    valid.forEach(({ index, envelope }, i) => {
      const result = results[i] ?? { outcome: 'closed', seconds: 0, reason: 'no result' };
      const context = {
        id: entries[index]!.id,
        delivery: envelope.delivery,
        request_id: envelope.job.request_id,
      };
      o.metrics?.published.inc({ outcome: result.outcome });
      if (result.outcome !== 'timeout' && result.outcome !== 'closed') {
        o.metrics?.confirmSeconds.observe(result.seconds);
      }
      if (result.outcome === 'confirmed') {
        confirmed++;
        deliveries.add(envelope.delivery);
        o.log.debug(context, 'JobRequest published');
        outcomes[index] = {
          outputs: [
            {
              stream: o.checksStream,
              fields: envelopeToFields({ ...envelope, published_at: publishedAt }),
            },
          ],
        };
      } else {
        o.log.warn(
          { ...context, outcome: result.outcome, reason: result.reason },
          'JobRequest not confirmed; it stays pending and is published again',
        );
        outcomes[index] = {
          error: new Error(`publish ${result.outcome}: ${result.reason ?? 'no reason given'}`),
        };
      }
    });
    o.log.info(
      {
        published: confirmed,
        failed: valid.length - confirmed,
        invalid: entries.length - valid.length,
        deliveries: [...deliveries],
      },
      'batch of JobRequests published',
    );
    return outcomes;
  };
}
