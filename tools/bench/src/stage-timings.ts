import { envelopeFromFields, isNoticeEntry, type Keys, type Redis } from '@solstice/shared';
import { spread, type Spread } from './stats.js';

/** Time spent at each stage, waiting included: where the pipeline queues up under load. */
export interface StageTimings {
  /** webhook sent → its event in {P}:events */
  receiver: Spread;
  /** {P}:events entry → its JobRequests in {P}:jobs */
  expander: Spread;
  /** {P}:jobs entry → confirmed by RabbitMQ, recorded in {P}:checks */
  publisher: Spread;
  /** {P}:checks entry → Check Run created (queued) at the GitHub stand-in */
  reporter: Spread;
}

export const TIMED_STAGES = ['receiver', 'expander', 'publisher', 'reporter'] as const;

const idMs = (id: string) => Number(id.slice(0, id.indexOf('-')));

async function entriesSince(
  redis: Redis,
  stream: string,
  fromMs: number,
): Promise<{ at: number; fields: Record<string, string> }[]> {
  const reply = (await redis.xrange(stream, `${fromMs}-0`, '+')) as [string, string[]][];
  return reply.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return { at: idMs(id), fields };
  });
}

/**
 * Per-stage times of this round's deliveries, read from the ids of the stream entries (an
 * entry id starts with the Redis server's clock in ms when it was added; same machine).
 */
export async function stageTimings(
  redis: Redis,
  keys: Keys,
  fromMs: number,
  sentAt: Map<string, number>,
  createdAt: Map<string, number>,
): Promise<StageTimings> {
  const eventAt = new Map<string, number>();
  for (const e of await entriesSince(redis, keys.events, fromMs))
    if (e.fields.delivery && sentAt.has(e.fields.delivery)) eventAt.set(e.fields.delivery, e.at);
  const jobAt = new Map<string, { at: number; delivery: string }>();
  for (const e of await entriesSince(redis, keys.jobs, fromMs)) {
    const envelope = envelopeFromFields(e.fields);
    if (sentAt.has(envelope.delivery))
      jobAt.set(envelope.job.request_id, { at: e.at, delivery: envelope.delivery });
  }
  const checkAt = new Map<string, number>();
  for (const e of await entriesSince(redis, keys.checks, fromMs)) {
    // Notice runs (fork approval, App permissions) are no job's.
    if (isNoticeEntry(e.fields)) continue;
    const requestId = envelopeFromFields(e.fields).job.request_id;
    if (jobAt.has(requestId)) checkAt.set(requestId, e.at);
  }
  const receiver = [...eventAt].map(([d, at]) => at - sentAt.get(d)!);
  const expander: number[] = [];
  const publisher: number[] = [];
  const reporter: number[] = [];
  for (const [requestId, job] of jobAt) {
    const event = eventAt.get(job.delivery);
    if (event !== undefined) expander.push(job.at - event);
    const check = checkAt.get(requestId);
    if (check !== undefined) publisher.push(check - job.at);
    const created = createdAt.get(requestId);
    if (check !== undefined && created !== undefined) reporter.push(created - check);
  }
  return {
    receiver: spread(receiver),
    expander: spread(expander),
    publisher: spread(publisher),
    reporter: spread(reporter),
  };
}
