import { parseAddr } from '@solstice/shared';
import type { ReceiverConfig } from '../config.js';

/** How a receiver without a webhook secret behaves until it has one. */
export interface ReceiverSetup {
  /** Webhooks are answered 503 with this reason, and /readyz 503 (NODE_ENV=production). */
  refuse: string | undefined;
  /** GET / offers the App registration: no secret, no App, and a CREDENTIALS_DIR to write. */
  register: boolean;
  /** Look at CREDENTIALS_DIR until the webhook secret appears. */
  watch: boolean;
  /** The one line logged at start (what is missing, how to provide it); undefined: nothing. */
  line: string | undefined;
}

const NOTHING_MISSING: ReceiverSetup = {
  refuse: undefined,
  register: false,
  watch: false,
  line: undefined,
};

/** The receiver's first-run state from its settings (pure). */
export function receiverSetup(c: ReceiverConfig): ReceiverSetup {
  if (c.webhookSecrets.length > 0) return NOTHING_MISSING;
  const dir = c.setup.credentialsDir;
  const register = dir !== undefined && c.recovery.github.app === undefined;
  const page = `this receiver's page http://localhost:${parseAddr(c.httpAddr)?.port ?? 8082}/`;
  const how = register
    ? `register the GitHub App on ${page} or with \`npm run solstice -- app create\` (either writes ` +
      `CREDENTIALS_DIR=${dir}, picked up within seconds), or set GITHUB_WEBHOOK_SECRET and restart`
    : dir !== undefined
      ? `put the App's webhook secret in ${dir}/webhook-secret (picked up within seconds), or set ` +
        'GITHUB_WEBHOOK_SECRET and restart'
      : "set GITHUB_WEBHOOK_SECRET (the App's webhook secret) and restart, or set CREDENTIALS_DIR " +
        "and register the App from this receiver's page";
  if (!c.production)
    return {
      refuse: undefined,
      register,
      watch: dir !== undefined,
      line:
        'DEV MODE: no webhook secret, so webhook signatures are NOT checked and anyone who can ' +
        `reach this port can submit events; before exposing it, ${how}`,
    };
  return {
    refuse: 'the receiver has no webhook secret yet (setup state)',
    register,
    watch: dir !== undefined,
    line: `setup: no webhook secret (NODE_ENV=production), so every webhook is refused with 503: ${how}`,
  };
}
