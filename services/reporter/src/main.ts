import {
  connectStage,
  createLogger,
  handleProcessSignals,
  keysFor,
  runMain,
} from '@solstice/shared';
import { readReporterConfig } from './config.js';
import { startReporter } from './start-reporter.js';

runMain('reporter', async () => {
  const config = readReporterConfig({ argv: process.argv.slice(2) });
  const log = createLogger({ name: 'reporter', level: config.stage.logLevel });
  const reporter = await startReporter(config, connectStage(config.stage, 'reporter', log), log);
  handleProcessSignals(log, () => reporter.close());
  log.info(
    {
      checks: keysFor(config.stage.streamPrefix).checks,
      results: config.amqp.resultsQueue,
      github: config.github.apiBase,
      s3: config.s3 ? `${config.s3.endpoint}/${config.s3.bucket}` : 'off',
    },
    'reporter started',
  );
});
