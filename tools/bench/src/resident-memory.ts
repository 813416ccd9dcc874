import { readFile } from 'node:fs/promises';
import type { StageProcess } from '@solstice/cli/stage-process';

/** Resident memory of each running process, in MiB (Linux /proc), by label. */
export async function residentMemory(
  processes: Map<string, StageProcess>,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [label, p] of processes) {
    if (!p.running || !p.pid) continue;
    const status = await readFile(`/proc/${p.pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    out[label] = Math.round((kb / 1024) * 10) / 10;
  }
  return out;
}
