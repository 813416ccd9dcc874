/** How often a stage in setup state looks at CREDENTIALS_DIR again. */
export const CREDENTIALS_POLL_MS = 2000;

export interface WatchCredentialsOptions<C> {
  /** Reads the settings again, the credentials directory included; throws a ConfigError on a bad one. */
  read: () => C;
  /** Whether these settings hold what the stage was waiting for. */
  complete: (config: C) => boolean;
  pollMs?: number;
}

export interface CredentialsWatch<C> {
  /** Settles with the first complete settings, or rejects with the ConfigError of a bad file. */
  found: Promise<C>;
  /** Looks now instead of at the next tick (the registration just wrote the files). */
  checkNow(): void;
  /** Stops looking; `found` then never settles. Idempotent. */
  stop(): void;
}

/**
 * Polls the settings until the credentials a stage waits for are there. A timer rather than
 * fs.watch, which Node documents as unavailable or unreliable on network file systems and on
 * mounts from a VM such as Docker Desktop's (https://nodejs.org/api/fs.html#availability), and
 * which cannot watch a directory that does not exist yet; a poll every 2 s reads three small
 * files.
 */
export function watchCredentials<C>(o: WatchCredentialsOptions<C>): CredentialsWatch<C> {
  let settle: { resolve: (c: C) => void; reject: (err: unknown) => void } | undefined;
  const found = new Promise<C>((resolve, reject) => (settle = { resolve, reject }));
  const check = () => {
    if (settle === undefined) return;
    let config: C;
    try {
      config = o.read();
    } catch (err) {
      settle.reject(err);
      stop();
      return;
    }
    if (!o.complete(config)) return;
    settle.resolve(config);
    stop();
  };
  const timer = setInterval(check, o.pollMs ?? CREDENTIALS_POLL_MS);
  const stop = () => {
    clearInterval(timer);
    settle = undefined;
  };
  return { found, checkNow: check, stop };
}
