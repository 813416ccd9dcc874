import {
  awaitCredentials,
  connectStage,
  createLogger,
  handleProcessSignals,
  keysFor,
  runMain,
  waitingForAppLine,
} from '@solstice/shared';
import { readExpanderConfig } from './config.js';
import { startExpander } from './start-expander.js';

runMain('expander', async () => {
  const source = { argv: process.argv.slice(2) };
  const first = readExpanderConfig(source);
  const log = createLogger({ name: 'expander', level: first.stage.logLevel });
  // Without the App it waits (setup state): events stay in {P}:events meanwhile, and are then
  // expanded from their workflow files, instead of into one job each that the reporter, which
  // needs the App too, could not report.
  const config = await awaitCredentials({
    config: first,
    read: () => readExpanderConfig(source),
    missing: (c) =>
      c.github.app
        ? undefined
        : waitingForAppLine(
            'the expander reads .solstice/workflow.kdl as the App',
            c.credentialsDir,
          ),
    log,
    opsAddr: first.stage.metricsAddr,
  });
  if (!config) return;
  const expander = await startExpander(config, connectStage(config.stage, 'expander', log), log);
  handleProcessSignals(log, () => expander.close());
  const keys = keysFor(config.stage.streamPrefix);
  log.info(
    {
      events: keys.events,
      jobs: keys.jobs,
      github: config.github.apiBase,
      runsOnDefault: config.runsOn.default ?? null,
      runsOnMap: config.runsOn.map.size,
    },
    'expander started',
  );
});
