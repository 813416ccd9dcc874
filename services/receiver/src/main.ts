import { createLogger, handleProcessSignals, keysFor, runMain } from '@solstice/shared';
import { readReceiverConfig } from './config.js';
import { startRecovery } from './recovery/index.js';
import { openReceiverRedis, startReceiver } from './start-receiver.js';

runMain('receiver', async () => {
  const source = { argv: process.argv.slice(2) };
  const config = readReceiverConfig(source);
  const log = createLogger({ name: 'receiver', level: config.logLevel });
  const keys = keysFor(config.streamPrefix);
  const receiver = await startReceiver(config, openReceiverRedis(config.redisUrl, log), log, {
    reread: () => readReceiverConfig(source),
  });
  handleProcessSignals(log, () => receiver.close());
  log.info(
    {
      url: receiver.url,
      metricsUrl: receiver.metricsUrl,
      webhookPath: config.webhookPath,
      events: keys.events,
      // How many secrets and from which variable, never their values.
      signing: { secrets: config.webhookSecrets.length, from: config.secretVariable ?? null },
      limits: config.limits,
      allowedRepos: config.allowedRepos,
      allowedOwners: config.allowedOwners,
      checkSuiteRequested: config.checkSuiteRequested,
    },
    'receiver started',
  );
  // In the setup state this waits for the credentials; a bad credential file ends it (exit 2).
  const settled = await receiver.settled;
  // Started once the server takes webhooks: the redeliveries it asks for come back to it.
  if (!settled) return;
  const sweeper = startRecovery({
    config: settled.recovery,
    redis: receiver.redis,
    keys,
    log: log.child({ part: 'recovery' }),
    metrics: receiver.metrics,
    dedupeTtlSeconds: settled.dedupeTtlSeconds,
  });
  // Stopped first on SIGTERM: a sweep in progress ends at its next page.
  if (sweeper) receiver.defer('recovery sweeper', () => sweeper.stop(), { kind: 'drain' });
});
