// The servers the receiver bench loads, each in a child process of its own (forked by
// receiver.ts with: <baseline|receiver> <redis url> <stream prefix> <webhook secret>): the real
// receiver, or a bare node:http baseline doing the same work. It reports its URL, and its CPU
// time when asked, over the IPC channel.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLogger,
  createRedis,
  closeRedis,
  keysFor,
  storeOnce,
  type Redis,
} from '@solstice/shared';
import { readReceiverConfig } from '@solstice/receiver/config';
import { openReceiverRedis, startReceiver } from '@solstice/receiver/start-receiver';

export type Target = 'baseline' | 'receiver';

const DEDUPE_TTL_S = 3600;

/** Child side: serve one target, report its URL, and its CPU time when asked. */
async function serve(target: Target, redisUrl: string, prefix: string, secret: string) {
  process.on('message', (m) => {
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ cpuMicros: user + system });
    }
  });
  if (target === 'receiver') {
    const config = readReceiverConfig({
      env: {
        HTTP_ADDR: '127.0.0.1:0',
        METRICS_ADDR: '127.0.0.1:0',
        GITHUB_WEBHOOK_SECRET: secret,
        REDIS_URL: redisUrl,
        STREAM_PREFIX: prefix,
        DEDUPE_TTL_SECONDS: String(DEDUPE_TTL_S),
        // The durable mode (a replica must have each delivery before 202), when asked for.
        REDIS_MIN_REPLICAS_ACK: process.env.REDIS_MIN_REPLICAS_ACK,
        REDIS_REPLICAS_ACK_TIMEOUT_MS: process.env.REDIS_REPLICAS_ACK_TIMEOUT_MS,
      },
    });
    // The real logger at info: one line per delivery, as in production (stdout is /dev/null here).
    // BENCH_LOG_LEVEL=warn shows what the per-delivery line costs.
    const level = process.env.BENCH_LOG_LEVEL ?? 'info';
    const log = createLogger({ name: 'receiver', level });
    const receiver = await startReceiver(config, openReceiverRedis(config.redisUrl, log), log);
    process.send!({ url: receiver.url });
    process.on('SIGTERM', () => void receiver.close().then(() => process.exit(0)));
    return;
  }
  const redis = createRedis(redisUrl, { role: 'request' });
  const url = await serveBaseline(redis, prefix, secret);
  process.send!({ url });
  process.on('SIGTERM', () => void closeRedis(redis).then(() => process.exit(0)));
}

/** The least a receiver can do: raw body, verify, parse, storeOnce, 202. */
async function serveBaseline(redis: Redis, prefix: string, secret: string): Promise<string> {
  const keys = keysFor(prefix);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sig = String(req.headers['x-hub-signature-256'] ?? '');
      const given = Buffer.from(sig.slice(7), 'hex');
      const expected = createHmac('sha256', secret).update(body).digest();
      if (given.length !== 32 || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      const text = body.toString('utf8');
      JSON.parse(text);
      const delivery = String(req.headers['x-github-delivery']);
      const hookId = String(req.headers['x-github-hook-id'] ?? '0');
      storeOnce(redis, keys.delivery(hookId, delivery), keys.events, DEDUPE_TTL_S, {
        delivery,
        hook_id: hookId,
        event: String(req.headers['x-github-event']),
        content_type: String(req.headers['content-type']),
        body: text,
        installation_target_type: String(
          req.headers['x-github-hook-installation-target-type'] ?? '',
        ),
        installation_target_id: String(req.headers['x-github-hook-installation-target-id'] ?? ''),
        received_at: new Date().toISOString(),
      }).then(
        ({ id, created }) =>
          res
            .writeHead(created ? 202 : 200, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ status: created ? 'stored' : 'duplicate', delivery, entry_id: id }),
            ),
        () => res.writeHead(503).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const [, , target, redisUrl, prefix, secret] = process.argv;
await serve(target as Target, redisUrl!, prefix!, secret!);
