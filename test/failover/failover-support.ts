import type { Pipeline, StageName } from '@solstice/github-standin/harness';
import { workDone } from '../faults/fault-support.js';

export const STAGE_NAMES: StageName[] = ['receiver', 'expander', 'publisher', 'reporter'];

/**
 * Watches each stage's output (workDone) from now on, every 100 ms: `stop` waits until each
 * has moved past where it was when watching began (or `timeoutMs`), and gives how long after
 * the start each one first did — the failover time as that stage saw it.
 */
export async function watchProgress(p: Pipeline): Promise<{
  stop(timeoutMs: number): Promise<Partial<Record<StageName, number>>>;
}> {
  const startedAt = Date.now();
  const base: Partial<Record<StageName, number>> = {};
  for (const s of STAGE_NAMES) base[s] = await workDone(p, s);
  const seen: Partial<Record<StageName, number>> = {};
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const s of STAGE_NAMES) {
        if (seen[s] !== undefined) continue;
        const now = await workDone(p, s).catch(() => undefined);
        if (now !== undefined && now > base[s]!) seen[s] = Date.now() - startedAt;
      }
      if (STAGE_NAMES.every((s) => seen[s] !== undefined)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop(timeoutMs) {
      const deadline = new Promise((r) => setTimeout(r, timeoutMs));
      await Promise.race([loop, deadline]);
      running = false;
      return seen;
    },
  };
}
