import { createRedis, redactUrl, type Redis } from '@solstice/shared';
import { CliError } from './cli-error.js';

/**
 * One Redis connection for a CLI command: it fails fast (no offline queue, no endless
 * reconnecting) so an unreachable Redis is one clear line, not a hang.
 */
export async function connectRedis(url: string, timeoutMs = 3000): Promise<Redis> {
  const redis = createRedis(url, { role: 'request', name: 'solstice-cli' });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onReady = () => done();
      const onError = (err: NodeJS.ErrnoException) => done(err);
      const done = (err?: NodeJS.ErrnoException | Error) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      redis.once('ready', onReady);
      redis.once('error', onError);
    });
  } catch (err) {
    redis.disconnect();
    const e = err as NodeJS.ErrnoException;
    throw new CliError(
      `cannot reach Redis at ${redactUrl(url)} (${e.code ?? e.message}): start it ` +
        '(redis-server, or docker compose up -d redis) or set REDIS_URL / --redis-url',
    );
  }
  // Later errors surface through the failing command; this keeps ioredis from printing them.
  redis.on('error', () => undefined);
  return redis;
}
