import {
  connectStage,
  createLogger,
  handleProcessSignals,
  keysFor,
  runMain,
} from '@solstice/shared';
import { readExpanderConfig } from './config.js';
import { startExpander } from './start-expander.js';

runMain('expander', async () => {
  const config = readExpanderConfig({ argv: process.argv.slice(2) });
  const log = createLogger({ name: 'expander', level: config.stage.logLevel });
  const expander = await startExpander(config, connectStage(config.stage, 'expander', log), log);
  handleProcessSignals(log, () => expander.close());
  const keys = keysFor(config.stage.streamPrefix);
  log.info(
    {
      events: keys.events,
      jobs: keys.jobs,
      github: config.github.app ? config.github.apiBase : 'off',
      runsOnDefault: config.runsOn.default ?? null,
      runsOnMap: config.runsOn.map.size,
    },
    'expander started',
  );
});
