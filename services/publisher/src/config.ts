import {
  ConfigReader,
  readAmqpSettings,
  readCheckRecordTtl,
  readStageSettings,
  type AmqpSettings,
  type ConfigSource,
  type StageSettings,
} from '@solstice/shared';
import type { JobsTopology } from './adapters/topology.js';

export interface PublisherConfig {
  stage: StageSettings;
  amqp: AmqpSettings & JobsTopology & { confirmTimeoutMs: number };
  /** How long a job's record (written before its publish) is kept: CHECK_RECORD_TTL_DAYS. */
  checkRecordTtlSeconds: number;
}

// What RabbitMQ accepts in an exchange or queue name; `amq.` names are the broker's own.
const NAME = /^[A-Za-z0-9_.:-]{1,255}$/;

function name(r: ConfigReader, variable: string, fallback: string): string {
  const value = r.string(variable, fallback);
  if (!NAME.test(value) || value.startsWith('amq.')) {
    r.fail(variable, 'a name of letters, digits and _ . : - (not starting amq.)', value);
  }
  return value;
}

/** The publisher's settings from flags and environment; throws a ConfigError listing every problem. */
export function readPublisherConfig(source: ConfigSource = {}): PublisherConfig {
  const r = new ConfigReader(source);
  const stage = readStageSettings(r, '0.0.0.0:9102');
  const shared = readAmqpSettings(r);
  if (!NAME.test(shared.exchange) || shared.exchange.startsWith('amq.')) {
    r.fail(
      'AMQP_EXCHANGE',
      'a name of letters, digits and _ . : - (not starting amq.)',
      shared.exchange,
    );
  }
  const routingKey = r.string('AMQP_ROUTING_KEY', 'jobrequest.v1');
  if (Buffer.byteLength(routingKey) > 255) r.fail('AMQP_ROUTING_KEY', 'at most 255 bytes');
  const amqp = {
    ...shared,
    routingKey,
    queue: name(r, 'AMQP_QUEUE', 'solstice.jobs.v1'),
    dlx: name(r, 'AMQP_DLX', 'solstice.dlx'),
    dlq: name(r, 'AMQP_DLQ', 'solstice.jobs.v1.dlq'),
    confirmTimeoutMs: r.int('CONFIRM_TIMEOUT_MS', 10_000, { min: 10, max: 600_000 }),
  };
  // The DLQ is bound to the DLX with the jobs' routing key: on the jobs exchange itself it
  // would receive a copy of every JobRequest.
  if (amqp.dlx === amqp.exchange) {
    r.fail('AMQP_DLX', `an exchange other than AMQP_EXCHANGE`, amqp.dlx);
  }
  if (amqp.dlq === amqp.queue) r.fail('AMQP_DLQ', 'a queue other than AMQP_QUEUE', amqp.dlq);
  const checkRecordTtlSeconds = readCheckRecordTtl(r);
  r.done();
  return { stage, amqp, checkRecordTtlSeconds };
}

/**
 * Settings valid alone but unsafe together: a batch may wait for drain and then for
 * confirms, and a copy claiming its entries meanwhile would publish them twice (harmless,
 * message_id = request_id, but wasted). The line to log, or undefined.
 */
export function claimIdleWarning(c: PublisherConfig): string | undefined {
  if (c.stage.claimMinIdleMs > 2 * c.amqp.confirmTimeoutMs) return undefined;
  return `CLAIM_MIN_IDLE_MS (${c.stage.claimMinIdleMs}) should exceed twice CONFIRM_TIMEOUT_MS (${c.amqp.confirmTimeoutMs}), or entries still being published can be claimed by another copy`;
}
