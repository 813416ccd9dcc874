import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  PermanentError,
  createMetrics,
  envelopeFromFields,
  envelopeToFields,
  type JobEnvelope,
  type OutgoingMessage,
  type PublishResult,
  type StreamEntry,
} from '@solstice/shared';
import { publishJobs } from '../../src/publish-jobs.js';
import { publisherMetrics } from '../../src/publisher-metrics.js';
import { captureLogger } from '../../../../test/support/log.js';

function envelope(over: Partial<JobEnvelope['job']> = {}): JobEnvelope {
  return {
    job: {
      schema_version: 'jobrequest.v1',
      request_id: randomUUID(),
      group_id: randomUUID(),
      source: 'github',
      repo_url: 'https://github.com/octo-org/hello.git',
      repo_owner: 'octo-org',
      repo_name: 'hello',
      commit_sha: 'a'.repeat(40),
      workflow_path: '.solstice/workflow.kdl',
      workflow_job_id: 'build',
      runs_on: 'illumos-latest',
      script_path: '.solstice/build.sh',
      submitted_at: '2026-01-02T03:04:05.000Z',
      ...over,
    },
    delivery: randomUUID(),
    installation_id: 7,
    check_repository: { owner: 'octo-org', name: 'hello' },
    check_name: 'Solstice CI / build',
    workflow_error: '',
  };
}

let seq = 0;
const entry = (fields: Record<string, string>): StreamEntry => ({
  id: `1-${seq++}`,
  fields,
  deliveries: 1,
});

/**
 * A publishBatch double answering each message by its request_id, and a recordIdentities
 * double; `order` tells which was called when.
 */
function broker(answer: (id: string) => PublishResult['outcome'] = () => 'confirmed') {
  const seen: OutgoingMessage[] = [];
  const order: string[] = [];
  return {
    seen,
    order,
    recordIdentities: async (envelopes: JobEnvelope[]) => {
      order.push(...envelopes.map((e) => `record ${e.job.request_id}`));
    },
    publishBatch: async (messages: OutgoingMessage[]): Promise<PublishResult[]> => {
      seen.push(...messages);
      order.push(...messages.map((m) => `publish ${m.messageId}`));
      return messages.map((m) => {
        const outcome = answer(m.messageId);
        return { outcome, seconds: 0.002, reason: outcome === 'confirmed' ? undefined : 'why' };
      });
    },
  };
}

const now = () => new Date('2026-05-06T07:08:09.000Z');

describe('publishing a batch of JobRequests', () => {
  it('gives a confirmed JobRequest its {P}:checks record with published_at', async () => {
    const e = envelope();
    const b = broker();
    const { log } = captureLogger();
    const handle = publishJobs({
      recordIdentities: b.recordIdentities,
      publishBatch: b.publishBatch,
      checksStream: 'p:checks',
      log,
      now,
    });
    const [outcome] = await handle([entry(envelopeToFields(e))]);
    expect(outcome).toEqual({
      outputs: [
        {
          stream: 'p:checks',
          fields: envelopeToFields({ ...e, published_at: '2026-05-06T07:08:09.000Z' }),
        },
      ],
    });
    expect(b.seen).toHaveLength(1);
    expect(b.seen[0]!.messageId).toBe(e.job.request_id);
    expect(JSON.parse(b.seen[0]!.body.toString())).toEqual(e.job);
  });

  it("writes every job's record before anything is published", async () => {
    const es = [envelope(), envelope()];
    const b = broker();
    const handle = publishJobs({ ...b, checksStream: 'p:checks', log: captureLogger().log });
    await handle(es.map((e) => entry(envelopeToFields(e))));
    const ids = es.map((e) => e.job.request_id);
    expect(b.order).toEqual([
      ...ids.map((id) => `record ${id}`),
      ...ids.map((id) => `publish ${id}`),
    ]);
  });

  it('publishes nothing when the records cannot be written: the batch is read again', async () => {
    const b = broker();
    const handle = publishJobs({
      ...b,
      recordIdentities: () => Promise.reject(new Error('Connection is closed.')),
      checksStream: 'p:checks',
      log: captureLogger().log,
    });
    await expect(handle([entry(envelopeToFields(envelope()))])).rejects.toThrow(/closed/);
    expect(b.seen).toEqual([]);
  });

  it('publishes only the wire fields of a JobRequest', async () => {
    const e = envelope();
    const fields = envelopeToFields(e);
    fields.job = JSON.stringify({ ...e.job, internal_note: 'not for the orchestrator' });
    const b = broker();
    const handle = publishJobs({
      recordIdentities: b.recordIdentities,
      publishBatch: b.publishBatch,
      checksStream: 'p:checks',
      log: captureLogger().log,
    });
    await handle([entry(fields)]);
    expect(Object.keys(JSON.parse(b.seen[0]!.body.toString()))).toEqual(Object.keys(e.job));
  });

  it('leaves a returned, nacked, timed-out or channel-lost JobRequest unacked, in order', async () => {
    const es = [envelope(), envelope(), envelope(), envelope(), envelope()];
    const outcomes: PublishResult['outcome'][] = [
      'returned',
      'confirmed',
      'nacked',
      'timeout',
      'closed',
    ];
    const byId = new Map(es.map((e, i) => [e.job.request_id, outcomes[i]!]));
    const metrics = publisherMetrics(createMetrics('publisher'));
    const logs = captureLogger();
    const handle = publishJobs({
      ...broker((id) => byId.get(id)!),
      checksStream: 'p:checks',
      log: logs.log,
      metrics,
    });
    const result = await handle(es.map((e) => entry(envelopeToFields(e))));
    expect(result.map((r) => ('outputs' in r ? 'ok' : String((r.error as Error).message)))).toEqual(
      [
        'publish returned: why',
        'ok',
        'publish nacked: why',
        'publish timeout: why',
        'publish closed: why',
      ],
    );
    expect(result.some((r) => 'error' in r && r.error instanceof PermanentError)).toBe(false);
    const counted = await metrics.published.get();
    expect(Object.fromEntries(counted.values.map((v) => [v.labels.outcome, v.value]))).toEqual({
      returned: 1,
      confirmed: 1,
      nacked: 1,
      timeout: 1,
      closed: 1,
    });
    const warned = logs.lines().filter((l) => l.level === 40);
    expect(warned.map((l) => l.request_id)).toEqual([0, 2, 3, 4].map((i) => es[i]!.job.request_id));
    expect(warned.every((l) => typeof l.delivery === 'string')).toBe(true);
  });

  it('dead-letters an envelope that does not parse or validate, and publishes the rest', async () => {
    const good = envelope();
    const badSha = envelopeToFields(envelope({ commit_sha: 'not-a-sha' }));
    const b = broker();
    const handle = publishJobs({
      recordIdentities: b.recordIdentities,
      publishBatch: b.publishBatch,
      checksStream: 'p:checks',
      log: captureLogger().log,
    });
    const result = await handle([
      entry({ job: '{not json', delivery: 'd' }),
      entry(badSha),
      entry(envelopeToFields(good)),
    ]);
    expect(result[0]).toEqual({ error: expect.any(PermanentError) });
    expect(String((result[0] as { error: Error }).error.message)).toMatch(/not JSON/);
    expect((result[1] as { error: Error }).error).toEqual(
      new PermanentError('invalid JobRequest: commit_sha must be a hex commit sha'),
    );
    expect('outputs' in result[2]!).toBe(true);
    expect(b.seen.map((m) => m.messageId)).toEqual([good.job.request_id]);
  });

  it('does not call the broker for a batch with nothing valid', async () => {
    const b = broker();
    const handle = publishJobs({
      recordIdentities: b.recordIdentities,
      publishBatch: b.publishBatch,
      checksStream: 'p:checks',
      log: captureLogger().log,
    });
    const result = await handle([entry({})]);
    expect(result).toHaveLength(1);
    expect(b.seen).toHaveLength(0);
  });

  it('logs each published JobRequest at debug and one summary per batch at info', async () => {
    const es = [envelope(), envelope()];
    const logs = captureLogger('publisher', 'debug');
    const handle = publishJobs({
      ...broker(),
      checksStream: 'p:checks',
      log: logs.log,
    });
    await handle(es.map((e) => entry(envelopeToFields(e))));
    const lines = logs.lines();
    const debug = lines.filter((l) => l.level === 20);
    expect(debug.map((l) => [l.delivery, l.request_id])).toEqual(
      es.map((e) => [e.delivery, e.job.request_id]),
    );
    const info = lines.filter((l) => l.level === 30);
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({
      published: 2,
      failed: 0,
      invalid: 0,
      deliveries: es.map((e) => e.delivery),
    });
    // The record written to {P}:checks reads back as the same envelope.
    expect(envelopeFromFields(envelopeToFields(es[0]!)).job).toEqual(es[0]!.job);
  });
});
