import {
  ConfigReader,
  readAddr,
  readEventRules,
  readLogLevel,
  readRedisSettings,
  type ConfigSource,
} from '@solstice/shared';
import { GLOB_PATTERN } from './allowlist.js';
import { readRecoveryConfig, type RecoveryConfig } from './recovery/config.js';

export interface ReceiverConfig {
  httpAddr: string;
  webhookPath: string;
  /** Any one verifies a signature (rotation); empty = dev mode, unsigned requests accepted. */
  webhookSecrets: string[];
  /** Which variable the secrets came from, for the start-up log line. */
  secretVariable: 'GITHUB_WEBHOOK_SECRET' | 'WEBHOOK_SECRET' | undefined;
  allowedRepos: string[];
  allowedOwners: string[];
  bodyLimit: number;
  dedupeTtlSeconds: number;
  checkSuiteRequested: boolean;
  redisUrl: string;
  streamPrefix: string;
  logLevel: string;
  /** The sweep that redelivers failed deliveries (recovery/). */
  recovery: RecoveryConfig;
}

// GitHub caps webhook payloads at 25 MB and drops larger ones:
// https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap
const DEFAULT_BODY_LIMIT = 25 * 1024 * 1024;
// GitHub keeps deliveries 3 days for redelivery; a redelivery after that is not recognised.
const DEFAULT_DEDUPE_TTL = 7 * 24 * 3600;

/** The receiver's settings from flags and environment; throws a ConfigError listing every problem. */
export function readReceiverConfig(source: ConfigSource = {}): ReceiverConfig {
  const r = new ConfigReader(source);
  const { secrets, variable } = readSecrets(r);
  const config: ReceiverConfig = {
    httpAddr: readAddr(r, 'HTTP_ADDR', '0.0.0.0:8082'),
    webhookPath: readPath(r, 'WEBHOOK_PATH', '/webhooks/github'),
    webhookSecrets: secrets,
    secretVariable: variable,
    allowedRepos: readGlobs(r, 'ALLOWED_REPOS', 'owner/name globs like octo-org/*'),
    allowedOwners: readGlobs(r, 'ALLOWED_OWNERS', 'owner globs like octo-*'),
    bodyLimit: r.int('BODY_LIMIT', DEFAULT_BODY_LIMIT, { min: 1024, max: 1024 * 1024 * 1024 }),
    dedupeTtlSeconds: r.int('DEDUPE_TTL_SECONDS', DEFAULT_DEDUPE_TTL, { min: 1 }),
    ...readEventRules(r),
    ...readRedisSettings(r),
    logLevel: readLogLevel(r),
    recovery: readRecoveryConfig(r),
  };
  r.done();
  return config;
}

function readSecrets(r: ConfigReader): {
  secrets: string[];
  variable: ReceiverConfig['secretVariable'];
} {
  const production = r.string('NODE_ENV') === 'production';
  for (const variable of ['GITHUB_WEBHOOK_SECRET', 'WEBHOOK_SECRET'] as const) {
    if (r.raw(variable) === undefined) continue;
    // Commas separate secrets, so a secret cannot hold one.
    const secrets = r.list(variable);
    if (secrets.length === 0) r.fail(variable, 'one or more secrets separated by commas');
    return { secrets, variable };
  }
  if (production) {
    r.fail(
      'GITHUB_WEBHOOK_SECRET',
      'the webhook secret when NODE_ENV=production (without one, unsigned requests would be accepted)',
    );
  }
  return { secrets: [], variable: undefined };
}

function readPath(r: ConfigReader, name: string, fallback: string): string {
  const value = r.string(name, fallback);
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value)) {
    r.fail(name, 'a URL path starting with /', value);
    return fallback;
  }
  return value;
}

function readGlobs(r: ConfigReader, name: string, expected: string): string[] {
  const globs = r.list(name);
  const bad = globs.filter((g) => !GLOB_PATTERN.test(g));
  if (bad.length > 0) r.fail(name, `${expected} (letters, digits, . _ - / * ?)`, bad.join(','));
  return globs.filter((g) => GLOB_PATTERN.test(g));
}
