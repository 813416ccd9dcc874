import {
  connectAmqp,
  errorMessage,
  PublishingLink,
  type Logger,
  type RecoveringChannelModel,
} from '@solstice/shared';
import type { PublisherConfig } from '../config.js';
import { explainPreconditionFailed } from '../explain-precondition.js';
import { declareJobsTopology } from './topology.js';

export interface JobsLink {
  link: PublishingLink;
  amqp: RecoveringChannelModel;
  /**
   * Settles only if the broker refuses the topology (someone declared the queue anew with
   * other arguments): the line says what to fix.
   */
  fatal: Promise<string>;
}

/**
 * The AMQP connection (connecting in the background) and on it the confirm channel to
 * AMQP_EXCHANGE, declaring the jobs topology after every (re)connect.
 */
export async function connectJobsLink(
  config: PublisherConfig['amqp'],
  log: Logger,
  connectionName?: string,
): Promise<JobsLink> {
  const { amqpUrl: _url, confirmTimeoutMs, ...topology } = config;
  let onFatal: (line: string) => void = () => undefined;
  const fatal = new Promise<string>((resolve) => (onFatal = resolve));
  const link = new PublishingLink({
    exchange: topology.exchange,
    routingKey: topology.routingKey,
    messageType: 'jobrequest.v1',
    confirmTimeoutMs,
    declare: (ch) => declareJobsTopology(ch, topology),
    refusal: (err) => explainPreconditionFailed(errorMessage(err), topology),
    // Said once, by runMain, as the line the process stops with.
    onFatal: (line) => onFatal(line),
    log,
    logFields: { queue: topology.queue },
  });
  const amqp = await connectAmqp({
    url: config.amqpUrl,
    log,
    setup: link.setup,
    waitForConnect: false,
    connectionName,
  });
  return { link, amqp, fatal };
}
