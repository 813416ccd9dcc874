import { createLogger, handleProcessSignals, runMain } from '@solstice/shared';
import { readReceiverConfig } from './config.js';
import { startReceiver } from './start-receiver.js';

runMain('receiver', async () => {
  const config = readReceiverConfig({ argv: process.argv.slice(2) });
  const log = createLogger({ name: 'receiver', level: config.logLevel });
  const receiver = await startReceiver(config, log);
  handleProcessSignals(log, () => receiver.close());
  log.info(
    {
      url: receiver.url,
      webhookPath: config.webhookPath,
      events: `${config.streamPrefix}:events`,
      secretCount: config.webhookSecrets.length,
      secretVariable: config.secretVariable ?? null,
      allowedRepos: config.allowedRepos,
      allowedOwners: config.allowedOwners,
      checkSuiteRequested: config.checkSuiteRequested,
    },
    'receiver started',
  );
});
