import {
  createGitHubApp,
  createRedis,
  fieldsToObject,
  keysFor,
  type GitHubClient,
  type Keys,
  type Redis,
} from '@solstice/shared';
import { Registry } from 'prom-client';
import {
  WebhookSender,
  createStandIn,
  type GitHubStandIn,
  type StandInDelivery,
} from '@solstice/github-standin';
import { freePort } from '@solstice/github-standin/harness';
import { removeKeys } from '../../../../../test/support/keys.js';
import { captureLogger } from '../../../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../../../test/support/servers.js';
import { waitFor } from '../../../../../test/support/wait.js';
import { readReceiverConfig } from '../../../src/config.js';
import { gitHubHookDeliveries } from '../../../src/recovery/hook-deliveries.js';
import { Lease } from '../../../src/recovery/lease.js';
import {
  startSweeper,
  type Sweeper,
  type SweeperOptions,
} from '../../../src/recovery/start-sweeper.js';
import { redisSweepState } from '../../../src/recovery/sweep-state.js';
import { openReceiverRedis, startReceiver, type Receiver } from '../../../src/start-receiver.js';
import { push } from '../../../../../test/support/payloads.js';

export const APP_ID = 808;
export const HOOK_ID = 4711;
export const SECRET = 'recovery-test-secret';

/** A port nobody listens on yet: deliveries to it fail with "connection refused" until the receiver starts. */

export interface RecoveryHarness {
  prefix: string;
  keys: Keys;
  standIn: GitHubStandIn;
  sender: WebhookSender;
  /** A connection of the test's own (the sweepers use it too). */
  redis: Redis;
  /** The App's JWT client, pointed at the stand-in. */
  app: GitHubClient;
  registry: Registry;
  logs: ReturnType<typeof captureLogger>;
  /** The receiver's webhook URL, fixed before the receiver listens. */
  webhookUrl: string;
  /** The real receiver, once startReceiver() ran. */
  receiver: Receiver | undefined;
  startReceiver(): Promise<Receiver>;
  stopReceiver(): Promise<void>;
  /** GitHub sends a signed push to the receiver's URL. */
  sendPush(url?: string): Promise<StandInDelivery>;
  /** A sweeper on this prefix; the timer is far off, tests call sweepNow(). */
  sweeper(over?: Partial<SweeperOptions>): Sweeper;
  /** The delivery GUIDs in `{P}:events`, oldest first. */
  storedGuids(): Promise<string[]>;
  listCalls(): number;
  redeliveryCalls(): number;
  close(): Promise<void>;
}

export async function startRecoveryHarness(appKey: string): Promise<RecoveryHarness> {
  const prefix = uniqueName('recovery');
  const keys = keysFor(prefix);
  const sender = new WebhookSender({ appId: APP_ID });
  const standIn = await createStandIn({ appId: APP_ID, key: appKey, sender }).start();
  const redis = createRedis(redisUrl(), { role: 'worker' });
  const logs = captureLogger('recovery', 'debug');
  const registry = new Registry();
  const app = createGitHubApp({
    settings: {
      apiBase: standIn.url,
      app: undefined,
      retryBaseMs: 5,
      writeMinMs: 0,
      maxWaitMs: 10_000,
    },
    app: { appId: APP_ID, privateKey: appKey },
    redis,
    tokenKey: (k) => keys.tokenCache(k),
    log: logs.log,
  }).app();
  const port = await freePort();
  const sweepers: Sweeper[] = [];

  const h: RecoveryHarness = {
    prefix,
    keys,
    standIn,
    sender,
    redis,
    app,
    registry,
    logs,
    webhookUrl: `http://127.0.0.1:${port}/webhooks/github`,
    receiver: undefined,
    async startReceiver() {
      const config = readReceiverConfig({
        env: {
          HTTP_ADDR: `127.0.0.1:${port}`,
          METRICS_ADDR: '127.0.0.1:0',
          GITHUB_WEBHOOK_SECRET: SECRET,
          REDIS_URL: redisUrl(),
          STREAM_PREFIX: prefix,
        },
      });
      const log = captureLogger('receiver').log;
      h.receiver = await startReceiver(config, openReceiverRedis(config.redisUrl, log), log, {
        closeGraceMs: 2000,
      });
      await waitFor(async () => (await fetch(`${h.receiver!.url}/readyz`)).ok, 'receiver ready');
      return h.receiver;
    },
    async stopReceiver() {
      await h.receiver?.close();
      h.receiver = undefined;
    },
    sendPush(url = h.webhookUrl) {
      return sender.sendWebhook({
        url,
        secret: SECRET,
        event: 'push',
        payload: push(),
        hookId: HOOK_ID,
        installationId: 7,
      });
    },
    sweeper(over = {}) {
      const s = startSweeper({
        github: gitHubHookDeliveries(app),
        state: redisSweepState(redis, keys),
        lease: new Lease(redis, keys.sweepLease),
        log: logs.log,
        registry,
        intervalMs: 3600_000,
        initialDelayMs: 3600_000,
        lookbackHours: 72,
        maxPerSweep: 50,
        settleMs: 0,
        ...over,
      });
      sweepers.push(s);
      return s;
    },
    async storedGuids() {
      const entries = await redis.xrange(keys.events, '-', '+');
      return entries.map(([, flat]) => fieldsToObject(flat).delivery!);
    },
    listCalls: () => standIn.callsTo('GET', /^\/app\/hook\/deliveries$/).length,
    redeliveryCalls: () =>
      standIn.callsTo('POST', /^\/app\/hook\/deliveries\/\d+\/attempts$/).length,
    async close() {
      for (const s of sweepers) await s.stop();
      await sender.settled();
      await h.stopReceiver();
      await standIn.close();
      await removeKeys(prefix, redis);
      await redis.quit();
    },
  };
  return h;
}
