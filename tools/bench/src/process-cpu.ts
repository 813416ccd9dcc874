import { readFile } from 'node:fs/promises';
import type { StageProcess } from '@solstice/cli/stage-process';

// /proc/<pid>/stat counts in clock ticks of USER_HZ, 100 on Linux x86 and arm64
// (https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html, utime and stime).
const TICK_MS = 10;

/** CPU time (user + system, ms) each running process has used so far, by label (Linux /proc). */
export async function cpuMs(processes: Map<string, StageProcess>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [label, p] of processes) {
    if (!p.running || !p.pid) continue;
    const stat = await readFile(`/proc/${p.pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (Number.isFinite(ticks)) out[label] = ticks * TICK_MS;
  }
  return out;
}

/** CPU ms per unit of work of each stage (copies of one stage summed) between two readings. */
export function cpuPer(
  before: Record<string, number>,
  after: Record<string, number>,
  units: number,
): Record<string, number> {
  const perStage: Record<string, number> = {};
  for (const [label, ms] of Object.entries(after)) {
    const stage = label.split('#')[0]!;
    perStage[stage] = (perStage[stage] ?? 0) + ms - (before[label] ?? 0);
  }
  return Object.fromEntries(
    Object.entries(perStage).map(([stage, ms]) => [stage, Math.round((ms / units) * 100) / 100]),
  );
}
