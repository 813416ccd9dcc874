import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { createRedis, keysFor, type Keys, type Redis } from '@solstice/shared';
import { removeKeys } from '../../../../test/support/keys.js';
import { captureLogger } from '../../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../../test/support/servers.js';
import { waitFor } from '../../../../test/support/wait.js';
import { readReceiverConfig } from '../../src/config.js';
import { openReceiverRedis, startReceiver, type Receiver } from '../../src/start-receiver.js';

export const SECRET = 'receiver-test-secret';

export interface TestReceiver {
  receiver: Receiver;
  /** The webhook URL. */
  hook: string;
  url: string;
  /** The ops server (METRICS_ADDR): /metrics, /healthz, /readyz. */
  metricsUrl: string;
  prefix: string;
  keys: Keys;
  /** A connection of the test's own, to look at what the receiver stored. */
  redis: Redis;
  logs: ReturnType<typeof captureLogger>;
  /** The entries of `{P}:events`, fields as an object. */
  events(): Promise<{ id: string; fields: Record<string, string> }[]>;
  close(): Promise<void>;
}

/** Starts the real receiver on a free port against real Redis with a unique STREAM_PREFIX. */
export async function startTestReceiver(
  env: Record<string, string> = {},
  opts: { redisUrl?: string } = {},
): Promise<TestReceiver> {
  const prefix = uniqueName('receiver');
  const config = readReceiverConfig({
    env: {
      HTTP_ADDR: '127.0.0.1:0',
      METRICS_ADDR: '127.0.0.1:0',
      GITHUB_WEBHOOK_SECRET: SECRET,
      REDIS_URL: opts.redisUrl ?? redisUrl(),
      STREAM_PREFIX: prefix,
      ...env,
    },
  });
  const logs = captureLogger('receiver', 'info');
  const connection = openReceiverRedis(config.redisUrl, logs.log);
  const receiver = await startReceiver(config, connection, logs.log, { closeGraceMs: 5000 });
  const redis = createRedis(opts.redisUrl ?? redisUrl(), { role: 'worker' });
  const keys = keysFor(prefix);
  await waitFor(async () => (await fetch(`${receiver.url}/readyz`)).ok, 'receiver ready');
  return {
    receiver,
    hook: receiver.url + config.webhookPath,
    url: receiver.url,
    metricsUrl: receiver.metricsUrl,
    prefix,
    keys,
    redis,
    logs,
    async events() {
      const entries = await redis.xrange(keys.events, '-', '+');
      return entries.map(([id, flat]) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
        return { id, fields };
      });
    },
    async close() {
      await receiver.close();
      await removeKeys(prefix, redis);
      await redis.quit();
    },
  };
}

export interface Delivery {
  event: string;
  /** The body as sent; JSON.stringify(payload) unless given. */
  body?: string;
  payload?: unknown;
  contentType?: string;
  delivery?: string;
  hookId?: string | null;
  /** The secret to sign with; null sends no signature. */
  secret?: string | null;
  headers?: Record<string, string>;
}

/** POSTs a webhook the way GitHub does: signed raw body, GitHub's headers. */
export async function deliver(hook: string, d: Delivery) {
  const body = d.body ?? JSON.stringify(d.payload);
  const delivery = d.delivery ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': d.contentType ?? 'application/json',
    'user-agent': 'GitHub-Hookshot/test',
    'x-github-event': d.event,
    'x-github-delivery': delivery,
    'x-github-hook-installation-target-type': 'integration',
    'x-github-hook-installation-target-id': '4242',
  };
  if (d.hookId !== null) headers['x-github-hook-id'] = d.hookId ?? '1001';
  const secret = d.secret === undefined ? SECRET : d.secret;
  if (secret !== null) headers['x-hub-signature-256'] = await sign(secret, body);
  Object.assign(headers, d.headers);
  const res = await fetch(hook, { method: 'POST', headers, body });
  const text = await res.text();
  return {
    status: res.status,
    delivery,
    signature: headers['x-hub-signature-256'],
    json: (text === '' ? undefined : JSON.parse(text)) as Record<string, string> | undefined,
  };
}

/** The value of one sample of /metrics, e.g. metric('x_total', { outcome: 'stored' }). */
export async function metric(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
