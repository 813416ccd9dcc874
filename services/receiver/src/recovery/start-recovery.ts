import {
  createGitHubApp,
  type Keys,
  type Logger,
  type Metrics,
  type Redis,
} from '@solstice/shared';
import type { RecoveryConfig } from './config.js';
import { gitHubHookDeliveries } from './hook-deliveries.js';
import { Lease } from './lease.js';
import { startSweeper, type Sweeper } from './start-sweeper.js';
import { redisSweepState } from './sweep-state.js';

export interface StartRecoveryOptions {
  config: RecoveryConfig;
  redis: Redis;
  keys: Keys;
  log: Logger;
  /** Its registry gets the sweep's counters; its GitHub call counters count the sweep's calls. */
  metrics?: Metrics;
  initialDelayMs?: number;
  /** DEDUPE_TTL_SECONDS: how long a delivery key lives, so how far back a gone one is lost. */
  dedupeTtlSeconds?: number;
}

/**
 * Starts the sweep that redelivers failed webhook deliveries, when it is enabled and the
 * App's credentials are set; undefined otherwise. Call it once the HTTP server listens
 * (the redeliveries come back to it) and `stop()` it before closing Redis.
 */
export function startRecovery(o: StartRecoveryOptions): Sweeper | undefined {
  const { config } = o;
  if (!config.enabled || config.github.app === undefined) {
    o.log.info('recovery sweep off (needs GITHUB_APP_ID and its key; RECOVERY_ENABLED)');
    return undefined;
  }
  const github = createGitHubApp({
    settings: config.github,
    app: config.github.app,
    redis: o.redis,
    tokenKey: (key) => o.keys.tokenCache(key),
    log: o.log,
    metrics: o.metrics,
  });
  o.log.info(
    {
      intervalMs: config.intervalMs,
      lookbackHours: config.lookbackHours,
      maxPerSweep: config.maxPerSweep,
    },
    'recovery sweep on: failed GitHub deliveries that were never stored get redelivered',
  );
  return startSweeper({
    github: gitHubHookDeliveries(github.app()),
    state: redisSweepState(o.redis, o.keys),
    lease: new Lease(o.redis, o.keys.sweepLease),
    log: o.log,
    registry: o.metrics?.registry,
    intervalMs: config.intervalMs,
    lookbackHours: config.lookbackHours,
    maxPerSweep: config.maxPerSweep,
    maxAttempts: config.maxAttempts,
    retryBackoffMs: config.retryBackoffMs,
    ackedWithinMs: o.dedupeTtlSeconds === undefined ? undefined : o.dedupeTtlSeconds * 1000,
    hookId: config.hookId,
    initialDelayMs: o.initialDelayMs,
    // A copy killed while sweeping holds the lease until it expires: keep that gap near one
    // interval (at least 5 s, at most the 60 s a long redelivery phase renews it by).
    leaseMs: Math.min(60_000, Math.max(5_000, 2 * config.intervalMs)),
  });
}
