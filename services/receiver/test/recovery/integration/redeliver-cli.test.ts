import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRedis, parseSince, redeliverCommand } from '@solstice/cli';
import { generateAppKey } from '@solstice/github-standin';
import { redisUrl } from '../../../../../test/support/servers.js';
import { APP_ID, startRecoveryHarness, type RecoveryHarness } from './harness.js';

const appKey = generateAppKey();

describe('solstice redeliver --since: one sweep by hand', () => {
  let h: RecoveryHarness;

  beforeEach(async () => {
    h = await startRecoveryHarness(appKey);
  });

  afterEach(async () => {
    await h.close();
  });

  async function redeliver(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await redeliverCommand.run(argv, {
      env: {
        REDIS_URL: redisUrl(),
        STREAM_PREFIX: h.prefix,
        GITHUB_API_BASE: h.standIn.url,
        GITHUB_APP_ID: String(APP_ID),
        GITHUB_APP_KEY: appKey,
        GITHUB_RETRY_BASE_MS: '5',
        GITHUB_WRITE_MIN_MS: '0',
        ...env,
      },
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      connectRedis: (url) => connectRedis(url),
    });
    await h.sender.settled();
    return { code, out, err };
  }

  it('redelivers what failed and was never stored, prints one line each and a summary', async () => {
    const lost = await h.sendPush();
    await h.startReceiver();
    await h.sendPush();

    const { code, out } = await redeliver(['--since', '1h']);

    expect(code).toBe(0);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(
      new RegExp(`^redelivered  ${lost.guid}  push  delivery ${lost.id} .*connection refused$`),
    );
    expect(out[1]).toMatch(
      /^checked 2 deliveries since .*: 1 failed, 1 redelivered, 0 still failing/,
    );
    expect(await h.storedGuids()).toContain(lost.guid);
    // A sweep by hand neither reads nor moves the automatic sweep's cursor.
    expect(await h.redis.hget(h.keys.sweepCursor, 'id')).toBeNull();
  });

  it('with --dry-run says what it would redeliver and asks GitHub for nothing', async () => {
    const lost = await h.sendPush();
    const { code, out } = await redeliver([
      '--since',
      new Date(Date.now() - 600_000).toISOString(),
      '--dry-run',
    ]);
    expect(code).toBe(0);
    expect(out[0]).toMatch(new RegExp(`^would redeliver  ${lost.guid}`));
    expect(out[1]).toMatch(/1 to redeliver \(dry run\)/);
    expect(h.redeliveryCalls()).toBe(0);
  });

  it('with --again redelivers a delivery the automatic sweep already redelivered once', async () => {
    const lost = await h.sendPush();
    const auto = await h.sweeper().sweepNow();
    expect(auto.ran && auto.report.redelivered).toHaveLength(1);
    await h.sender.settled();
    await h.startReceiver();

    const plain = await redeliver(['--since', '1h']);
    expect(plain.out[0]).toMatch(/^still failing \(redelivered once already; --again to retry\)/);
    expect(await h.storedGuids()).toEqual([]);

    const again = await redeliver(['--since', '1h', '--again']);
    expect(again.out[0]).toMatch(new RegExp(`^redelivered  ${lost.guid}`));
    expect(await h.storedGuids()).toEqual([lost.guid]);
  });

  it('refuses a --since it cannot read, in one line, with exit code 2', async () => {
    await expect(redeliver(['--since', 'last tuesday'])).rejects.toThrow(
      "--since: expected a past ISO time or e.g. 6h, 30m, 2d, got 'last tuesday'",
    );
    await expect(redeliver([])).rejects.toMatchObject({ exitCode: 2 });
  });

  it('says which settings it needs when the GitHub App is not configured', async () => {
    await expect(
      redeliver(['--since', '6h'], { GITHUB_APP_ID: '', GITHUB_APP_KEY: '' }),
    ).rejects.toThrow(/needs the GitHub App: GITHUB_APP_ID/);
  });
});

describe('parseSince', () => {
  const now = Date.parse('2025-05-05T12:00:00Z');
  it('reads minutes, hours and days ago, and ISO times', () => {
    expect(parseSince('30m', now)).toBe(now - 30 * 60_000);
    expect(parseSince('6h', now)).toBe(now - 6 * 3600_000);
    expect(parseSince('2d', now)).toBe(now - 2 * 24 * 3600_000);
    expect(parseSince('2025-05-05T10:00:00Z', now)).toBe(Date.parse('2025-05-05T10:00:00Z'));
  });
  it('refuses anything else', () => {
    expect(parseSince('6 hours', now)).toBeUndefined();
    expect(parseSince('12', now)).toBeUndefined();
    expect(parseSince('2025-13-45', now)).toBeUndefined();
  });
});
