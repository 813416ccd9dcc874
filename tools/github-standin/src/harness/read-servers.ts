import {
  readAmqpSettings,
  readRedisSettings,
  redactUrl,
  type ConfigReader,
} from '@solstice/shared';

export interface Servers {
  redisUrl: string;
  amqpUrl: string;
  /** Both, passwords hidden, for a line on the terminal. */
  shown: string;
}

/** REDIS_URL and AMQP_URL as the stages read them (same defaults), for a run of the pipeline. */
export function readServers(r: ConfigReader): Servers {
  const { redisUrl } = readRedisSettings(r);
  const { amqpUrl } = readAmqpSettings(r);
  return {
    redisUrl,
    amqpUrl,
    shown: `Redis ${redactUrl(redisUrl)}, RabbitMQ ${redactUrl(amqpUrl)}`,
  };
}
