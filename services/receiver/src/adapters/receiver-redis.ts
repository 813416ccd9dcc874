import { createRedis, errorMessage, type Logger, type Redis } from '@solstice/shared';

/**
 * The receiver's Redis connection. Role `request`: commands fail at once while Redis is away,
 * so a delivery gets 503 at once (GitHub then shows it as failed, and it can be redelivered).
 */
export function openReceiverRedis(redisUrl: string, log: Logger): Redis {
  const redis = createRedis(redisUrl, { role: 'request', name: 'receiver' });
  logRedisState(redis, log);
  return redis;
}

/** One line when Redis goes away and one when it is back, not one per reconnect attempt. */
function logRedisState(redis: Redis, log: Logger): void {
  let up = false;
  let warned = false;
  redis.on('ready', () => {
    up = true;
    warned = false;
    log.info('redis connected');
  });
  redis.on('error', (err) => {
    if (warned) return;
    warned = true;
    log.warn(
      { err: errorMessage(err) },
      up ? 'redis connection lost; answering 503 until it is back' : 'redis not reachable yet',
    );
    up = false;
  });
  redis.on('close', () => {
    if (!up || warned) return;
    warned = true;
    up = false;
    log.warn('redis connection lost; answering 503 until it is back');
  });
}
