import type { Keys, Redis } from '@solstice/shared';
import type { ReporterMetrics } from '../reporter-metrics.js';

// Enough to see a backlog; the sum over more installations would cost a round trip per 1000.
const MAX_COUNTED = 1000;

/**
 * Samples the writers' state in Redis for the gauges: installations with work, the jobs
 * waiting in their queues, installations paused by a rate limit. Every copy sees the same.
 */
export async function sampleWriterGauges(
  redis: Redis,
  keys: Keys,
  metrics: ReporterMetrics,
): Promise<void> {
  const w = keys.writer;
  const now = Date.now();
  const [members, paused] = await Promise.all([
    redis.zrange(w.due, 0, MAX_COUNTED - 1),
    redis.zcount(w.paused, now, '+inf'),
  ]);
  const pipeline = redis.pipeline();
  for (const m of members) pipeline.zcard(w.queue(m));
  const sizes = members.length > 0 ? ((await pipeline.exec()) ?? []) : [];
  metrics.installationsWaiting.set(await redis.zcard(w.due));
  metrics.installationsPaused.set(paused);
  metrics.queueDepth.set(sizes.reduce((sum, [, n]) => sum + (Number(n) || 0), 0));
  // Pauses that ended are of no more interest.
  await redis.zremrangebyscore(w.paused, '-inf', now);
}
