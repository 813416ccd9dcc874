import type { Pipeline } from '@solstice/github-standin/harness';

/**
 * Samples, every `everyMs`, how many entries wait for each stage on its input stream
 * (the group's lag, i.e. not yet read, plus its pending, read and not acked); keeps the most.
 */
export function sampleBacklog(
  p: Pipeline,
  everyMs: number,
): { stop: () => Promise<Record<string, number>> } {
  const inputs: [string, string][] = [
    ['expander', p.keys.events],
    ['publisher', p.keys.jobs],
    ['reporter', p.keys.checks],
  ];
  const most: Record<string, number> = Object.fromEntries(inputs.map(([stage]) => [stage, 0]));
  let busy: Promise<void> = Promise.resolve();
  const sample = async () => {
    for (const [stage, stream] of inputs) {
      const groups = (await p.redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
      for (const g of groups) {
        const field = (name: string) => Number(g[g.indexOf(name) + 1] ?? 0) || 0;
        most[stage] = Math.max(most[stage]!, field('lag') + field('pending'));
      }
    }
  };
  const timer = setInterval(() => {
    busy = busy.then(sample);
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      return most;
    },
  };
}
