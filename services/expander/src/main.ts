import { createLogger, handleProcessSignals, runMain } from '@solstice/shared';
import { readExpanderConfig } from './config.js';
import { startExpander } from './expander.js';

runMain('expander', async () => {
  const config = readExpanderConfig({ argv: process.argv.slice(2) });
  const log = createLogger({ name: 'expander', level: config.stage.logLevel });
  const expander = await startExpander(config, log);
  handleProcessSignals(log, () => expander.close());
  log.info(
    {
      events: `${config.stage.streamPrefix}:events`,
      jobs: `${config.stage.streamPrefix}:jobs`,
      github: config.github.app ? config.github.apiBase : 'off',
      runsOnDefault: config.runsOn.default ?? null,
      runsOnMap: config.runsOn.map.size,
    },
    'expander started',
  );
});
