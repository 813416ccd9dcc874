import type { RoundResult } from './e2e-round.js';
import { TIMED_STAGES } from './stage-timings.js';
import { ms, type Spread } from './stats.js';

const pair = (s: Spread) => `${ms(s.p50)}/${ms(s.p99)}`;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The readable tables of an e2e run: throughput and latency, per-stage times, memory. */
export function e2eTables(rounds: RoundResult[]): string {
  const main = table(
    [
      'stages',
      'offered/s',
      'sent',
      '202',
      'webhooks/s',
      'jobs/s',
      '→received p50/p99 ms',
      '→queued p50/p99 ms',
      '→completed p50/p99 ms',
      'GitHub calls/job',
      'all done',
    ],
    rounds.map((r) => [
      r.copies,
      String(r.offered),
      String(r.sent),
      String(r.accepted),
      r.webhooksPerSec.toFixed(1),
      r.jobsPerSec.toFixed(1),
      pair(r.toReceived),
      pair(r.toQueued),
      pair(r.toCompleted),
      r.githubCallsPerJob.toFixed(2),
      r.drained ? 'yes' : `no (${r.completedJobs}/${r.accepted * 3} jobs)`,
    ]),
  );
  const stages = table(
    [
      'stages',
      'offered/s',
      ...TIMED_STAGES.map((s) => `${s} p50/p99 ms`),
      'most waiting: events/jobs/checks',
    ],
    rounds.map((r) => [
      r.copies,
      String(r.offered),
      ...TIMED_STAGES.map((s) => pair(r.stages[s])),
      `${r.maxBacklog.expander}/${r.maxBacklog.publisher}/${r.maxBacklog.reporter}`,
    ]),
  );
  const labels = [...new Set(rounds.flatMap((r) => Object.keys(r.rssMiB)))].sort();
  const rss = table(
    ['stages', 'offered/s', ...labels],
    rounds.map((r) => [
      r.copies,
      String(r.offered),
      ...labels.map((l) => (r.rssMiB[l] === undefined ? '-' : r.rssMiB[l].toFixed(0))),
    ]),
  );
  const calls = [...new Set(rounds.flatMap((r) => Object.keys(r.githubCalls)))].sort();
  const github = table(
    ['stages', 'offered/s', ...calls],
    rounds.map((r) => [
      r.copies,
      String(r.offered),
      ...calls.map((c) => String(r.githubCalls[c] ?? 0)),
    ]),
  );
  return [
    'Throughput and latency (from the webhook send time):',
    main,
    '',
    'Time at each stage, waiting included (p50/p99 ms), and the most entries seen waiting per stage input:',
    stages,
    '',
    'GitHub API calls during each round, by kind:',
    github,
    '',
    'RSS per process at the end of each round (MiB):',
    rss,
  ].join('\n');
}
