import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigReader, readStageSettings, stageTimingProblem } from '@solstice/shared';

describe('stage timings checked at start', () => {
  it('accepts the defaults', () => {
    const s = readStageSettings(new ConfigReader({ env: {} }));
    expect(stageTimingProblem(s)).toBeUndefined();
    expect(s).toMatchObject({
      claimMinIdleMs: 600_000,
      claimIntervalMs: 1000,
      retryMinIdleMs: 10_000,
      heartbeatIntervalMs: 1000,
      heartbeatTtlMs: 5000,
    });
  });

  it('refuses a heartbeat TTL a single missed beat could outlive, in one line naming both', () => {
    const r = new ConfigReader({
      env: { HEARTBEAT_INTERVAL_MS: '2000', HEARTBEAT_TTL_MS: '5000' },
    });
    readStageSettings(r);
    expect(() => r.done()).toThrow(ConfigError);
    try {
      r.done();
    } catch (err) {
      expect(String(err)).toMatch(
        /HEARTBEAT_TTL_MS \(5000\) must be at least 3 × HEARTBEAT_INTERVAL_MS \(2000\)/,
      );
    }
  });

  it('refuses a CLAIM_MIN_IDLE_MS short enough to take batches from live copies', () => {
    expect(
      stageTimingProblem({ heartbeatIntervalMs: 1000, heartbeatTtlMs: 5000, claimMinIdleMs: 8000 }),
    ).toMatch(/^CLAIM_MIN_IDLE_MS \(8000\) must exceed 2 × HEARTBEAT_TTL_MS \(5000\)/);
  });
});
