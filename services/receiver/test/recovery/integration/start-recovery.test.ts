import { ConfigReader, createMetrics } from '@solstice/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAppKey } from '@solstice/github-standin';
import { waitFor } from '../../../../../test/support/wait.js';
import { readRecoveryConfig } from '../../../src/recovery/config.js';
import { startRecovery } from '../../../src/recovery/start-recovery.js';
import type { Sweeper } from '../../../src/recovery/start-sweeper.js';
import { APP_ID, startRecoveryHarness, type RecoveryHarness } from './harness.js';

const appKey = generateAppKey();

describe('startRecovery: what the receiver main calls', () => {
  let h: RecoveryHarness;
  let sweeper: Sweeper | undefined;

  beforeEach(async () => {
    h = await startRecoveryHarness(appKey);
  });

  afterEach(async () => {
    await sweeper?.stop();
    sweeper = undefined;
    await h.close();
  });

  const configFrom = (env: Record<string, string>) => {
    const r = new ConfigReader({ env });
    const config = readRecoveryConfig(r);
    r.done();
    return config;
  };

  it('with App credentials, sweeps on its own timer and recovers a lost delivery', async () => {
    const lost = await h.sendPush();
    await h.startReceiver();
    const metrics = createMetrics('receiver');
    sweeper = startRecovery({
      config: configFrom({
        GITHUB_API_BASE: h.standIn.url,
        GITHUB_APP_ID: String(APP_ID),
        GITHUB_APP_KEY: appKey,
        GITHUB_RETRY_BASE_MS: '5',
        GITHUB_WRITE_MIN_MS: '0',
      }),
      redis: h.receiver!.redis,
      keys: h.keys,
      log: h.logs.log,
      metrics,
      initialDelayMs: 0,
    });
    expect(sweeper).toBeDefined();
    await waitFor(
      async () => (await h.storedGuids()).includes(lost.guid),
      'the lost delivery stored',
    );
    // The counters move when the sweep ends, which may be just after the redelivery landed.
    const text = await waitFor(async () => {
      const t = await metrics.registry.metrics();
      return /solstice_recovery_sweeps_total\{[^}]*outcome="done"/.test(t) ? t : undefined;
    }, 'the sweep to end');
    expect(text).toMatch(/solstice_recovery_deliveries_redelivered_total\{stage="receiver"\} 1/);
    // One fixed route label however many pages (not a URL per cursor).
    expect(text).toMatch(
      /solstice_github_api_calls_total\{route="GET \/app\/hook\/deliveries",status="200"/,
    );
  });

  it('without App credentials, is off and says so', () => {
    sweeper = startRecovery({
      config: configFrom({}),
      redis: h.redis,
      keys: h.keys,
      log: h.logs.log,
    });
    expect(sweeper).toBeUndefined();
    expect(h.logs.lines().some((l) => /recovery sweep off/.test(String(l.msg)))).toBe(true);
  });
});
