import { readFile } from 'node:fs/promises';
import type { StageProcess } from '@solstice/cli/stage-process';

/** Resident memory of one process, in MiB (Linux /proc); 0 when it is gone. */
export async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Resident memory of each running process, in MiB (Linux /proc), by label. */
export async function residentMemory(
  processes: Map<string, StageProcess>,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [label, p] of processes) {
    if (!p.running || !p.pid) continue;
    out[label] = await residentMiB(p.pid);
  }
  return out;
}
