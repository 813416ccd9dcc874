import {
  ConfigError,
  connectStage,
  createLogger,
  handleProcessSignals,
  keysFor,
  runMain,
} from '@solstice/shared';
import { readPublisherConfig } from './config.js';
import { startPublisher } from './start-publisher.js';

runMain('publisher', async () => {
  const config = readPublisherConfig({ argv: process.argv.slice(2) });
  const log = createLogger({ name: 'publisher', level: config.stage.logLevel });
  const connections = connectStage(config.stage, 'publisher', log);
  const publisher = await startPublisher(config, connections, log);
  handleProcessSignals(log, () => publisher.close());
  log.info(
    {
      jobs: keysFor(config.stage.streamPrefix).jobs,
      exchange: config.amqp.exchange,
      routingKey: config.amqp.routingKey,
      queue: config.amqp.queue,
      queueType: config.amqp.queueType,
    },
    'publisher started',
  );
  // Someone declared the queue anew with other arguments: stop with the line saying what to fix.
  const problem = await publisher.fatal;
  await publisher.close();
  throw new ConfigError([problem]);
});
