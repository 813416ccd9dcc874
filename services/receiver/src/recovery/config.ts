import { readGitHubSettings, type ConfigReader, type GitHubSettings } from '@solstice/shared';

/** GitHub keeps an App's webhook deliveries 3 days; older ones cannot be redelivered. */
export const MAX_LOOKBACK_HOURS = 72;

/** Settings of the sweep that redelivers failed webhook deliveries. */
export interface RecoveryConfig {
  /** Whether the receiver runs the sweep (default: when App credentials are set). */
  enabled: boolean;
  intervalMs: number;
  lookbackHours: number;
  maxPerSweep: number;
  /** Redeliveries of one GUID per window (RECOVERY_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** The wait before redelivering a GUID again, doubled each time (RECOVERY_RETRY_BACKOFF_MS). */
  retryBackoffMs: number;
  /** The App's webhook id (GITHUB_APP_HOOK_ID), else learnt from a delivery. */
  hookId: string | undefined;
  github: GitHubSettings;
}

/**
 * RECOVERY_ENABLED, RECOVERY_INTERVAL_MS, RECOVERY_LOOKBACK_HOURS, RECOVERY_MAX_PER_SWEEP,
 * RECOVERY_MAX_ATTEMPTS, RECOVERY_RETRY_BACKOFF_MS, GITHUB_APP_HOOK_ID, and the GitHub App settings the sweep signs in with.
 */
export function readRecoveryConfig(r: ConfigReader): RecoveryConfig {
  const github = readGitHubSettings(r);
  const enabled = r.bool('RECOVERY_ENABLED', github.app !== undefined);
  if (enabled && github.app === undefined && r.raw('GITHUB_APP_ID') === undefined) {
    r.fail('GITHUB_APP_ID', 'the App id (and GITHUB_APP_KEY_PATH) when RECOVERY_ENABLED is true');
  }
  const hookId = r.string('GITHUB_APP_HOOK_ID');
  if (hookId !== undefined && !/^[1-9]\d*$/.test(hookId)) {
    r.fail('GITHUB_APP_HOOK_ID', "a positive whole number (the App's webhook id)", hookId);
  }
  const intervalMs = r.int('RECOVERY_INTERVAL_MS', 300_000, { min: 1000, max: 24 * 3600 * 1000 });
  return {
    enabled,
    intervalMs,
    lookbackHours: r.int('RECOVERY_LOOKBACK_HOURS', MAX_LOOKBACK_HOURS, {
      min: 1,
      max: MAX_LOOKBACK_HOURS,
    }),
    maxPerSweep: r.int('RECOVERY_MAX_PER_SWEEP', 50, { min: 1, max: 1000 }),
    maxAttempts: r.int('RECOVERY_MAX_ATTEMPTS', 3, { min: 1, max: 20 }),
    // One interval: a redelivery that failed again is retried by the next sweep but one.
    retryBackoffMs: r.int('RECOVERY_RETRY_BACKOFF_MS', intervalMs, {
      min: 0,
      max: 24 * 3600 * 1000,
    }),
    hookId,
    github,
  };
}
