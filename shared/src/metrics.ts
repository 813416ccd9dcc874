import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics every process has; a stage adds its own to `registry`. */
export interface Metrics {
  registry: Registry;
  entriesHandled: Counter<'stream' | 'outcome'>;
  deadLettered: Counter<'stream'>;
  handlingSeconds: Histogram<'stream'>;
  entriesClaimed: Counter<'stream' | 'reason'>;
  deadDropped: Counter<'stream'>;
  deadEntries: Gauge<'stream'>;
  consumersRemoved: Counter<'stream'>;
  streamLag: Gauge<'stream' | 'group'>;
  streamPending: Gauge<'stream' | 'group'>;
  githubCalls: Counter<'route' | 'status'>;
  githubRateLimitRemaining: Gauge<'resource'>;
}

export function createMetrics(stage: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ stage });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    entriesHandled: new Counter({
      name: 'solstice_stream_entries_handled_total',
      help: 'Stream entries handled, by outcome (ok, filtered, retry, deferred, dead)',
      labelNames: ['stream', 'outcome'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'solstice_stream_dead_lettered_total',
      help: 'Entries moved to the dead stream',
      labelNames: ['stream'],
      registers,
    }),
    handlingSeconds: new Histogram({
      name: 'solstice_stage_batch_seconds',
      help: 'Time to handle and commit one batch',
      labelNames: ['stream'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    entriesClaimed: new Counter({
      name: 'solstice_stream_entries_claimed_total',
      help: 'Entries taken over from another consumer: dead (heartbeat expired), hung (idle past CLAIM_MIN_IDLE_MS), retry (own failed entries)',
      labelNames: ['stream', 'reason'],
      registers,
    }),
    deadDropped: new Counter({
      name: 'solstice_stream_dead_dropped_total',
      help: 'Dead entries dropped to keep the dead stream within DEAD_MAX_LEN and DEAD_MAX_AGE_MS',
      labelNames: ['stream'],
      registers,
    }),
    deadEntries: new Gauge({
      name: 'solstice_stream_dead_entries',
      help: 'Entries in the dead stream of the stream',
      labelNames: ['stream'],
      registers,
    }),
    consumersRemoved: new Counter({
      name: 'solstice_stream_consumers_removed_total',
      help: 'Consumers removed from their group: no heartbeat, nothing pending',
      labelNames: ['stream'],
      registers,
    }),
    streamLag: new Gauge({
      name: 'solstice_stream_lag',
      help: 'Entries in the stream not yet delivered to the group',
      labelNames: ['stream', 'group'],
      registers,
    }),
    streamPending: new Gauge({
      name: 'solstice_stream_pending',
      help: 'Entries delivered to the group and not yet acked',
      labelNames: ['stream', 'group'],
      registers,
    }),
    githubCalls: new Counter({
      name: 'solstice_github_api_calls_total',
      help: 'GitHub API calls by route and status',
      labelNames: ['route', 'status'],
      registers,
    }),
    githubRateLimitRemaining: new Gauge({
      name: 'solstice_github_rate_limit_remaining',
      help: 'x-ratelimit-remaining of the last GitHub response',
      labelNames: ['resource'],
      registers,
    }),
  };
}
