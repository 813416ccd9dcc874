import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { isTokenMint } from './github-failure.js';
import { createLeanFetch } from './lean-fetch.js';
import type { GitHubSettings } from './settings.js';
import { redisTokenCache, type TokenCache } from './token-cache.js';

// Typed as plain Octokit: the plugins add behaviour, not methods we call.
const AppOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GitHubClient = Octokit;

export interface GitHubAppOptions {
  settings: GitHubSettings;
  app: { appId: number; privateKey: string };
  redis: Redis;
  /** Redis key of a cached installation token: keys.tokenCache. */
  tokenKey: (cacheKey: string) => string;
  log: Logger;
  metrics?: Metrics;
  /**
   * false: the clients never wait (no retry, no rate-limit wait, no in-process write pacing):
   * each call answers or fails at once, and the caller paces, retries and pauses by itself
   * (the reporter's writers, which share one budget per installation across copies in Redis).
   * Default true.
   */
  waitInClient?: boolean;
}

/** Octokit clients of the GitHub App: one JWT client, one cached client per installation. */
export interface GitHubApp {
  /** Authenticated as the App itself (JWT): /app/… routes, GET /repos/{o}/{r}/installation. */
  app(): GitHubClient;
  installation(installationId: number): GitHubClient;
}

/**
 * GitHub App clients with retries (5xx, with plugin-retry), rate-limit handling (primary
 * and secondary limits, Retry-After, with plugin-throttling), installation tokens shared
 * through Redis (and held in memory until near expiry or refused), every call counted by route
 * and status, sent through a lean fetch on an undici keep-alive pool.
 */
export function createGitHubApp(o: GitHubAppOptions): GitHubApp {
  const cache = redisTokenCache(o.redis, o.tokenKey);
  const fetch = createLeanFetch();
  const waits = o.waitInClient ?? true;
  // One write queue per installation, as GitHub asks writes to be serial and a second apart.
  const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: o.settings.writeMinMs });
  const log = {
    debug: (msg: string) => o.log.debug({ src: 'octokit' }, msg),
    info: (msg: string) => o.log.debug({ src: 'octokit' }, msg),
    warn: (msg: string) => o.log.warn({ src: 'octokit' }, msg),
    error: (msg: string) => o.log.error({ src: 'octokit' }, msg),
  };
  // Retry a rate-limited call up to 3 times, after GitHub's Retry-After (plugin-throttling
  // waits), when that wait is short (GITHUB_MAX_WAIT_MS). A longer one fails the call at once:
  // a stage must not hold its batch for a rate-limit reset (it defers the entry: RetryLater).
  const onLimit =
    (msg: string) =>
    (
      retryAfter: number,
      options: { method: string; url: string },
      _k: unknown,
      retryCount: number,
    ) => {
      const waits = retryCount < 3 && retryAfter * o.settings.retryBaseMs <= o.settings.maxWaitMs;
      const route = `${options.method} ${options.url}`;
      o.log.warn(
        { retryAfter, route, retryCount },
        waits ? msg : `${msg}; not waiting (over GITHUB_MAX_WAIT_MS)`,
      );
      return waits;
    };
  const make = (id: string, installationId?: number): GitHubClient => {
    const client: GitHubClient = new AppOctokit({
      baseUrl: o.settings.apiBase,
      authStrategy: createAppAuth,
      auth: {
        appId: o.app.appId,
        privateKey: o.app.privateKey,
        cache,
        log,
        ...(installationId === undefined ? {} : { installationId }),
      },
      log,
      request: { fetch },
      retry: { enabled: waits, retryAfterBaseValue: o.settings.retryBaseMs },
      throttle: {
        enabled: waits,
        id,
        write,
        retryAfterBaseValue: o.settings.retryBaseMs,
        onRateLimit: onLimit('GitHub rate limit hit'),
        onSecondaryRateLimit: onLimit('GitHub secondary rate limit hit'),
      },
    });
    countCalls(client, o.metrics);
    if (installationId !== undefined) dropRefusedToken(client, cache, String(installationId));
    return client;
  };
  const installations = new Map<number, GitHubClient>();
  let appClient: GitHubClient | undefined;
  return {
    app: () => (appClient ??= make('app')),
    installation(installationId) {
      let client = installations.get(installationId);
      if (!client) {
        client = make(`installation-${installationId}`, installationId);
        installations.set(installationId, client);
      }
      return client;
    },
  };
}

/**
 * A call refused with 401 (the installation's token revoked, or expired early): the token is
 * dropped from memory and Redis, so the next call takes a newer one or mints one. `key` is
 * auth-app's cache key of an installation token without narrowed permissions: its id.
 */
function dropRefusedToken(client: GitHubClient, cache: TokenCache, key: string): void {
  client.hook.error('request', async (error) => {
    if ((error as { status?: number }).status === 401 && !isTokenMint(error))
      await cache.refused(key).catch(() => undefined);
    throw error;
  });
}

function countCalls(client: GitHubClient, metrics: Metrics | undefined): void {
  if (!metrics) return;
  const record = (
    options: { method: string; url: string },
    status: number,
    headers?: Record<string, unknown>,
  ) => {
    metrics.githubCalls.inc({ route: `${options.method} ${options.url}`, status: String(status) });
    const remaining = headers?.['x-ratelimit-remaining'];
    if (remaining !== undefined) {
      metrics.githubRateLimitRemaining.set(
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a header's value: a string
        { resource: String(headers?.['x-ratelimit-resource'] ?? 'core') },
        Number(remaining),
      );
    }
  };
  client.hook.after('request', (response, options) =>
    record(options, response.status, response.headers),
  );
  client.hook.error('request', (error, options) => {
    const e = error as { status?: number; response?: { headers?: Record<string, unknown> } };
    record(options, e.status ?? 0, e.response?.headers);
    throw error;
  });
}
