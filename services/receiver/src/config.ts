import {
  ConfigReader,
  readCredentialsDir,
  readAddr,
  readEventRules,
  readReplicaAckSettings,
  readLogLevel,
  readRedisSettings,
  readSecret,
  type ConfigSource,
} from '@solstice/shared';
import { GLOB_PATTERN } from './allowlist.js';
import { readHttpLimits, type HttpLimits } from './http-limits.js';
import { readRecoveryConfig, type RecoveryConfig } from './recovery/config.js';
import { readSetupConfig, type SetupConfig } from './setup/setup-config.js';

export interface ReceiverConfig {
  httpAddr: string;
  /** /metrics, /healthz, /readyz, off the public webhook port. */
  metricsAddr: string;
  webhookPath: string;
  /**
   * Any one verifies a signature (rotation). Empty: dev mode (unsigned requests accepted), or
   * with NODE_ENV=production the setup state (every webhook refused with 503).
   */
  webhookSecrets: string[];
  /** Where the secrets came from, for the start-up log line. */
  secretVariable:
    | 'GITHUB_WEBHOOK_SECRET'
    | 'GITHUB_WEBHOOK_SECRET_FILE'
    | 'WEBHOOK_SECRET'
    | 'CREDENTIALS_DIR'
    | undefined;
  /** NODE_ENV=production: never accept unsigned webhooks. */
  production: boolean;
  allowedRepos: string[];
  allowedOwners: string[];
  bodyLimit: number;
  /** Connections, buffered bytes and timeouts of the HTTP server. */
  limits: HttpLimits;
  dedupeTtlSeconds: number;
  /** REDIS_MIN_REPLICAS_ACK: replicas that must have a delivery before it is answered 2xx. */
  minReplicasAck: number;
  /** REDIS_REPLICAS_ACK_TIMEOUT_MS: the Redis WAIT timeout; fewer replicas by then → 503. */
  replicasAckTimeoutMs: number;
  checkSuiteRequested: boolean;
  redisUrl: string;
  streamPrefix: string;
  logLevel: string;
  /** The sweep that redelivers failed deliveries (recovery/). */
  recovery: RecoveryConfig;
  /** First run: where credentials appear, and how the App registration page builds its manifest. */
  setup: SetupConfig;
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
  const recovery = readRecoveryConfig(r);
  const config: ReceiverConfig = {
    httpAddr: readAddr(r, 'HTTP_ADDR', '0.0.0.0:8082'),
    // 9100: the stages' ops ports run 9101–9103 (expander, publisher, reporter).
    metricsAddr: readAddr(r, 'METRICS_ADDR', '0.0.0.0:9100'),
    webhookPath: readPath(r, 'WEBHOOK_PATH', '/webhooks/github'),
    webhookSecrets: secrets,
    secretVariable: variable,
    production: r.string('NODE_ENV') === 'production',
    allowedRepos: readGlobs(r, 'ALLOWED_REPOS', 'owner/name globs like octo-org/*'),
    allowedOwners: readGlobs(r, 'ALLOWED_OWNERS', 'owner globs like octo-*'),
    bodyLimit,
    limits: readHttpLimits(r, bodyLimit),
    dedupeTtlSeconds: r.int('DEDUPE_TTL_SECONDS', DEFAULT_DEDUPE_TTL, { min: 1 }),
    ...readReplicaAckSettings(r),
    ...readEventRules(r),
    ...readRedisSettings(r),
    logLevel: readLogLevel(r),
    recovery,
    setup: readSetupConfig(r, recovery.github.apiBase),
  };
  r.done();
  return config;
}

const SECRET_VARIABLES = ['GITHUB_WEBHOOK_SECRET', 'GITHUB_WEBHOOK_SECRET_FILE', 'WEBHOOK_SECRET'];

function readSecrets(r: ConfigReader): {
  secrets: string[];
  variable: ReceiverConfig['secretVariable'];
} {
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
  // Set but refused (a flag, an unreadable file) has its own line already, and still wins
  // over the directory: the explicit settings win whole, sources are never mixed.
  if (SECRET_VARIABLES.some((name) => r.raw(name) !== undefined)) {
    return { secrets: [], variable: undefined };
  }
  // The file the App registration wrote holds one secret, taken whole.
  const fromDir = readCredentialsDir(r)?.webhookSecret;
  if (fromDir !== undefined) return { secrets: [fromDir], variable: 'CREDENTIALS_DIR' };
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
