import { createLogger, handleProcessSignals, runMain } from '@solstice/shared';
import { readReporterConfig } from './config.js';
import { startReporter } from './reporter.js';

runMain('reporter', async () => {
  const config = readReporterConfig({ argv: process.argv.slice(2) });
  const log = createLogger({ name: 'reporter', level: config.stage.logLevel });
  const reporter = await startReporter(config, log);
  handleProcessSignals(log, () => reporter.close());
  log.info(
    {
      checks: `${config.stage.streamPrefix}:checks`,
      results: config.amqp.resultsQueue,
      github: config.github.apiBase,
      s3: config.s3 ? `${config.s3.endpoint}/${config.s3.bucket}` : 'off',
    },
    'reporter started',
  );
});
