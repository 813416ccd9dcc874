import { randomUUID } from 'node:crypto';
import {
  gitHubHookDeliveries,
  redisSweepState,
  runSweep,
  type HookDelivery,
} from '@solstice/receiver/recovery';
import { ConfigReader, createGitHubApp, readGitHubSettings } from '@solstice/shared';
import { cliLogger } from './cli-logger.js';
import { usageError } from './cli-error.js';
import { defineRedisCommand } from './command.js';
import { stringOption } from './parse-command-args.js';
import { doneReading, withRedis } from './redis-settings.js';

// GitHub keeps an App's webhook deliveries 3 days.
const MAX_LOOKBACK_MS = 72 * 3600_000;
const UNITS: Record<string, number> = { m: 60_000, h: 3600_000, d: 24 * 3600_000 };

/** `6h`, `30m`, `2d` (ago) or an ISO time → epoch ms; undefined when it is neither. */
export function parseSince(text: string, now: number): number | undefined {
  const rel = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

const describe = (d: HookDelivery) =>
  `${d.guid}  ${d.event}${d.action ? `.${d.action}` : ''}  delivery ${d.id}  ` +
  `${d.delivered_at}  ${d.status}`;

export const redeliverCommand = defineRedisCommand({
  name: 'redeliver',
  usage: 'redeliver --since <ISO time|6h|30m|2d> [--dry-run] [--again] [--max N] [--hook-id N]',
  summary: 'ask GitHub to redeliver webhook deliveries that failed and were never stored',
  options: {
    since: { type: 'string' },
    'dry-run': { type: 'boolean' },
    again: { type: 'boolean' },
    max: { type: 'string' },
    'hook-id': { type: 'string' },
  },
  positionals: { min: 0, max: 0, names: 'no arguments, only options' },
  async run(args, ctx, target) {
    const now = Date.now();
    const sinceText = stringOption(args, 'since');
    if (sinceText === undefined) throw usageError('needs --since <ISO time, or e.g. 6h, 30m, 2d>');
    let sinceMs = parseSince(sinceText, now);
    if (sinceMs === undefined || sinceMs > now)
      throw usageError(`--since: expected a past ISO time or e.g. 6h, 30m, 2d, got '${sinceText}'`);
    if (sinceMs < now - MAX_LOOKBACK_MS) {
      ctx.err('GitHub keeps deliveries 3 days: looking back 72 hours');
      sinceMs = now - MAX_LOOKBACK_MS;
    }

    const r = new ConfigReader({ env: ctx.env });
    const github = readGitHubSettings(r);
    const hookId = stringOption(args, 'hook-id') ?? r.string('GITHUB_APP_HOOK_ID');
    const max = Number(stringOption(args, 'max') ?? r.string('RECOVERY_MAX_PER_SWEEP', '50'));
    doneReading(r);
    if (!Number.isInteger(max) || max < 1) throw usageError('--max: expected a whole number ≥ 1');
    if (hookId !== undefined && !/^[1-9]\d*$/.test(hookId))
      throw usageError(
        `--hook-id / GITHUB_APP_HOOK_ID: expected the App's webhook id, got '${hookId}'`,
      );
    if (github.app === undefined)
      throw usageError(
        'needs the GitHub App: GITHUB_APP_ID and GITHUB_APP_KEY_PATH (or GITHUB_APP_KEY)',
      );
    const app = github.app;
    const dryRun = args.options['dry-run'] === true;

    const report = await withRedis(ctx, target, async (redis) => {
      const log = cliLogger(ctx);
      const client = createGitHubApp({
        settings: github,
        app,
        redis,
        tokenKey: (k) => target.keys.tokenCache(k),
        log,
      }).app();
      return runSweep(
        {
          github: gitHubHookDeliveries(client),
          state: redisSweepState(redis, target.keys),
          log,
        },
        {
          lookbackMs: MAX_LOOKBACK_MS,
          sinceMs,
          // By hand: look back to --since whatever the automatic sweep's cursor says, and leave it.
          useCursor: false,
          maxRedeliveries: max,
          hookId,
          markerTtlSeconds: MAX_LOOKBACK_MS / 1000,
          token: `cli:${randomUUID()}`,
          retryRedelivered: args.options.again === true,
          dryRun,
        },
      );
    });

    for (const d of dryRun ? report.redeliver : report.redelivered)
      ctx.out(`${dryRun ? 'would redeliver' : 'redelivered'}  ${describe(d)}`);
    for (const d of report.errors) ctx.out(`GitHub refused to redeliver  ${describe(d)}`);
    for (const d of report.stillFailing)
      ctx.out(`still failing (redelivered once already; --again to retry)  ${describe(d)}`);
    ctx.out(
      `checked ${report.checked} deliveries since ${new Date(sinceMs).toISOString()}: ` +
        `${report.failed.length} failed, ` +
        `${dryRun ? `${report.redeliver.length} to redeliver (dry run)` : `${report.redelivered.length} redelivered`}, ` +
        `${report.stillFailing.length} still failing, ${report.stored.length} failed but stored, ` +
        `${report.deferred.length} over --max, ${report.errors.length} refused by GitHub`,
    );
    return report.errors.length > 0 ? 1 : 0;
  },
});
