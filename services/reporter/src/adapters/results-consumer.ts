import { createConsumer, type Consumer, type Disposition, type Logger } from '@solstice/shared';
import type { ConsumeMessage } from 'amqplib';
import type { ReporterConfig } from '../config.js';
import { declareResultsTopology } from './results-topology.js';

/** The JobResults consumer on AMQP_RESULTS_QUEUE, declared after every (re)connect. */
export function resultsConsumer(
  config: ReporterConfig,
  handle: (msg: ConsumeMessage) => Promise<Disposition>,
  log: Logger,
): Consumer {
  const topology = {
    exchange: config.amqp.exchange,
    dlx: config.amqp.dlx,
    queue: config.amqp.resultsQueue,
    routingKey: config.amqp.resultsRoutingKey,
    queueType: config.amqp.queueType,
  };
  return createConsumer({
    name: 'results',
    what: 'JobResults',
    queue: topology.queue,
    prefetch: config.amqp.prefetch,
    declare: (ch) => declareResultsTopology(ch, topology),
    handle,
    log,
    retry: config.resultRetry,
  });
}
