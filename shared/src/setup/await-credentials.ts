import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { startOpsServer } from '../ops-server.js';
import { watchCredentials } from './watch-credentials.js';

export interface AwaitCredentialsOptions<C> {
  /** The settings read at start. */
  config: C;
  /** Reads them again, CREDENTIALS_DIR included; throws a ConfigError on a bad setting. */
  read: () => C;
  /** The one line saying what is missing and how to provide it; undefined when nothing is. */
  missing: (config: C) => string | undefined;
  log: Logger;
  /** METRICS_ADDR: while waiting, /healthz answers 200 and /readyz 503 there. */
  opsAddr: string | undefined;
  pollMs?: number;
}

/**
 * The setup state of a stage that cannot work without credentials: it logs what is missing
 * once, answers /healthz (so compose and Kubernetes leave it running, instead of restarting
 * a process that exited) but not /readyz, and resolves with the settings once the credentials
 * appear in CREDENTIALS_DIR; the caller then starts the stage in this same process. It
 * resolves undefined when SIGTERM or SIGINT comes first, and rejects with the ConfigError of a
 * credential file that is there but bad (exit 2, as at start).
 */
export async function awaitCredentials<C>(o: AwaitCredentialsOptions<C>): Promise<C | undefined> {
  const line = o.missing(o.config);
  if (line === undefined) return o.config;
  // Listening for signals before saying anything: a stop right after the line is a clean stop.
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<undefined>((resolve) => {
    onSignal = (signal) => {
      o.log.info({ signal }, 'stopped while waiting for credentials');
      resolve(undefined);
    };
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let ops: Server | undefined;
  const watch = watchCredentials({
    read: o.read,
    complete: (c) => o.missing(c) === undefined,
    pollMs: o.pollMs,
  });
  try {
    o.log.warn(line);
    ops = await startWaitingOps(o);
    const config = await Promise.race([watch.found, stopped]);
    if (config !== undefined) o.log.info('setup: credentials found; starting');
    return config;
  } finally {
    watch.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // The stage opens its own ops server on the same address next.
    if (ops) await closeNow(ops);
  }
}

function startWaitingOps<C>(o: AwaitCredentialsOptions<C>): Promise<Server | undefined> {
  if (o.opsAddr === undefined) return Promise.resolve(undefined);
  return startOpsServer({
    addr: o.opsAddr,
    registry: new Registry(),
    ready: () => Promise.resolve(false),
    log: o.log,
  });
}

function closeNow(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
