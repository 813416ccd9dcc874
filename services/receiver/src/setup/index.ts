// The App registration, shared with `solstice app create` (tools/cli).
export {
  loadAppManifest,
  manifestFor,
  APP_MANIFEST_PATH,
  type AppManifest,
} from './app-manifest.js';
export {
  createRegistrationHandler,
  CALLBACK_PATH,
  type RegistrationHandler,
  type RegistrationOptions,
} from './registration-handler.js';
export { isLocalAddress } from './registration-page.js';
export { readSetupConfig, webUrlOf, type SetupConfig } from './setup-config.js';
export { memoryStateStore, redisStateStore, type StateStore } from './state-store.js';
export { holdsCredentials, writeCredentials } from './write-credentials.js';
