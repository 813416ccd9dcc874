import {
  ConfigReader,
  readAddr,
  readEventRules,
  readLogLevel,
  readRedisSettings,
  readSecret,
  type ConfigSource,
} from '@solstice/shared';
import { GLOB_PATTERN } from './allowlist.js';
import { readHttpLimits, type HttpLimits } from './http-limits.js';
import { readRecoveryConfig, type RecoveryConfig } from './recovery/config.js';

export interface ReceiverConfig {
  httpAddr: string;
  /** /metrics, /healthz, /readyz, off the public webhook port. */
  metricsAddr: string;
  webhookPath: string;
  /** Any one verifies a signature (rotation); empty = dev mode, unsigned requests accepted. */
  webhookSecrets: string[];
  /** Which variable the secrets came from, for the start-up log line. */
  secretVariable:
    'GITHUB_WEBHOOK_SECRET' | 'GITHUB_WEBHOOK_SECRET_FILE' | 'WEBHOOK_SECRET' | undefined;
  allowedRepos: string[];
  allowedOwners: string[];
  bodyLimit: number;
  /** Connections, buffered bytes and timeouts of the HTTP server. */
  limits: HttpLimits;
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
  const bodyLimit = r.int('BODY_LIMIT', DEFAULT_BODY_LIMIT, { min: 1024, max: 1024 * 1024 * 1024 });
  const config: ReceiverConfig = {
    httpAddr: readAddr(r, 'HTTP_ADDR', '0.0.0.0:8082'),
    // 9100: the stages' ops ports run 9101–9103 (expander, publisher, reporter).
    metricsAddr: readAddr(r, 'METRICS_ADDR', '0.0.0.0:9100'),
    webhookPath: readPath(r, 'WEBHOOK_PATH', '/webhooks/github'),
    webhookSecrets: secrets,
    secretVariable: variable,
    allowedRepos: readGlobs(r, 'ALLOWED_REPOS', 'owner/name globs like octo-org/*'),
    allowedOwners: readGlobs(r, 'ALLOWED_OWNERS', 'owner globs like octo-*'),
    bodyLimit,
    limits: readHttpLimits(r, bodyLimit),
    dedupeTtlSeconds: r.int('DEDUPE_TTL_SECONDS', DEFAULT_DEDUPE_TTL, { min: 1 }),
    ...readEventRules(r),
    ...readRedisSettings(r),
    logLevel: readLogLevel(r),
    recovery: readRecoveryConfig(r),
  };
  r.done();
  return config;
}

const SECRET_VARIABLES = ['GITHUB_WEBHOOK_SECRET', 'GITHUB_WEBHOOK_SECRET_FILE', 'WEBHOOK_SECRET'];

function readSecrets(r: ConfigReader): {
  secrets: string[];
  variable: ReceiverConfig['secretVariable'];
} {
  const production = r.string('NODE_ENV') === 'production';
  const found =
    readSecret(r, 'GITHUB_WEBHOOK_SECRET', { file: true }) ?? readSecret(r, 'WEBHOOK_SECRET');
  if (found !== undefined) {
    const variable = found.from as NonNullable<ReceiverConfig['secretVariable']>;
    // Commas separate secrets (rotation), so a secret cannot hold one.
    const secrets = found.value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (secrets.length === 0) r.fail(variable, 'one or more secrets separated by commas');
    return { secrets, variable };
  }
  // Set but refused (a flag, an unreadable file) has its own line already.
  const given = SECRET_VARIABLES.some((name) => r.raw(name) !== undefined);
  if (production && !given) {
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
