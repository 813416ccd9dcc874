import {
  awaitCredentials,
  connectStage,
  createLogger,
  handleProcessSignals,
  keysFor,
  runMain,
  waitingForAppLine,
} from '@solstice/shared';
import { readReporterSettings, withApp } from './config.js';
import { startReporter } from './start-reporter.js';

runMain('reporter', async () => {
  const source = { argv: process.argv.slice(2) };
  const first = readReporterSettings(source);
  const log = createLogger({ name: 'reporter', level: first.stage.logLevel });
  // Without the App it waits (setup state) rather than exit and be restarted over and over.
  const settings = await awaitCredentials({
    config: first,
    read: () => readReporterSettings(source),
    missing: (s) =>
      s.github.app
        ? undefined
        : waitingForAppLine('the reporter writes Check Runs as the App', s.credentialsDir),
    log,
    opsAddr: first.stage.metricsAddr,
  });
  const config = settings && withApp(settings);
  if (!config) return;
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
