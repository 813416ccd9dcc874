import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import {
  checkIdentityFields,
  checkIdentityOf,
  envelopeToFields,
  type JobEnvelope,
  type JobResult,
} from '@solstice/shared';
import type { Pipeline } from './pipeline.js';

/** The JobResult the orchestrator would send for a job: success unless its id has "fail". */
export function resultFor(e: JobEnvelope, over: Partial<JobResult> = {}): JobResult {
  const fail = /fail/.test(e.job.workflow_job_id ?? '');
  return {
    schema_version: 'jobresult.v1',
    request_id: e.job.request_id,
    repo_url: e.job.repo_url,
    repo_owner: e.job.repo_owner,
    repo_name: e.job.repo_name,
    commit_sha: e.job.commit_sha,
    success: !fail,
    exit_code: fail ? 2 : 0,
    summary: fail ? 'failed on purpose' : 'passed',
    completed_at: new Date().toISOString(),
    ...over,
  };
}

/**
 * Feeds a pipeline's reporters directly, for tests and benches of the reporter alone: jobs as
 * the publisher hands them on (the record, then the `{P}:checks` entry) and JobResults as the
 * orchestrator sends them (on the jobs exchange, confirmed).
 */
export class ReporterFeed {
  private constructor(
    private readonly p: Pipeline,
    private readonly conn: ChannelModel,
    private readonly ch: ConfirmChannel,
  ) {}

  static async open(p: Pipeline): Promise<ReporterFeed> {
    const conn = await connect(p.o.amqpUrl);
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange(p.names.exchange, 'direct', { durable: true });
    return new ReporterFeed(p, conn, ch);
  }

  /** Each job's record (as the publisher writes it before publishing), then its entries. */
  async published(envelopes: JobEnvelope[], ttlSeconds = 3600): Promise<void> {
    const pipeline = this.p.redis.pipeline();
    for (const e of envelopes) {
      const key = this.p.keys.checkRecord(e.job.request_id);
      pipeline.hset(key, { source: 'publisher', ...checkIdentityFields(checkIdentityOf(e)) });
      pipeline.expire(key, ttlSeconds);
    }
    for (const e of envelopes)
      pipeline.xadd(this.p.keys.checks, '*', ...Object.entries(envelopeToFields(e)).flat());
    await pipeline.exec();
  }

  async results(results: JobResult[]): Promise<void> {
    for (const r of results)
      this.ch.publish(this.p.names.exchange, 'jobresult.v1', Buffer.from(JSON.stringify(r)), {
        persistent: true,
        contentType: 'application/json',
        messageId: r.request_id,
      });
    await this.ch.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}
