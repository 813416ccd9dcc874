import {
  exchangeManifestCode,
  watchCredentials,
  type Keys,
  type Logger,
  type Redis,
} from '@solstice/shared';
import type { ReceiverConfig } from '../config.js';
import { loadAppManifest } from './app-manifest.js';
import { receiverSetup, type ReceiverSetup } from './receiver-setup.js';
import { createRegistrationHandler, type RegistrationHandler } from './registration-handler.js';
import { redisStateStore } from './state-store.js';
import { writeCredentials } from './write-credentials.js';

export interface SetupOptions {
  redis: Redis;
  keys: Keys;
  log: Logger;
  /** Reads the settings again (CREDENTIALS_DIR included); without it nothing is watched. */
  reread?: () => ReceiverConfig;
  pollMs?: number;
}

export interface SetupWiring {
  setup: ReceiverSetup;
  /** The App registration page while it is offered. */
  register: RegistrationHandler | undefined;
  /**
   * The settings from which the receiver is configured: these at once when nothing is
   * awaited; those read once the webhook secret appears in CREDENTIALS_DIR; undefined when
   * stopped first. Rejects with the ConfigError of a credential file that is there but bad.
   */
  settled: Promise<ReceiverConfig | undefined>;
  stop(this: void): void;
}

/** The receiver's first run: the registration page, and the watch for the webhook secret. */
export function startSetup(config: ReceiverConfig, o: SetupOptions): SetupWiring {
  const setup = receiverSetup(config);
  if (setup.line) o.log.warn(setup.line);
  const watch =
    setup.watch && o.reread
      ? watchCredentials({
          read: o.reread,
          complete: (c) => c.webhookSecrets.length > 0,
          pollMs: o.pollMs,
        })
      : undefined;
  let stopped: (value: undefined) => void = () => undefined;
  const settled = watch
    ? Promise.race([watch.found, new Promise<undefined>((resolve) => (stopped = resolve))])
    : Promise.resolve(config);
  const dir = config.setup.credentialsDir;
  const register =
    setup.register && dir !== undefined
      ? createRegistrationHandler({
          manifest: loadAppManifest(),
          githubWebUrl: config.setup.githubWebUrl,
          webhookUrl: config.setup.webhookUrl,
          webhookPath: config.webhookPath,
          states: redisStateStore(o.redis, o.keys.setupState),
          exchange: (code) => exchangeManifestCode(config.setup.apiBase, code),
          save: async (app) => {
            await writeCredentials(dir, app);
            watch?.checkNow();
          },
          log: o.log.child({ part: 'setup' }),
        })
      : undefined;
  return {
    setup,
    register,
    settled,
    stop: () => {
      watch?.stop();
      stopped(undefined);
    },
  };
}
