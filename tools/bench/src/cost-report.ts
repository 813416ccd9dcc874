import type { KdlCost } from './cost-kdl.js';

export interface CostFigures {
  pushes: number;
  jobs: number;
  rate: number;
  drained: boolean;
  /** From the first counted push to the last job's completed Check Run. */
  seconds: number;
  /** CPU ms per webhook by program (copies summed), the demo orchestrator included. */
  cpuMsPerWebhook: Record<string, number>;
  githubCalls: Record<string, number>;
  githubCallsPerJob: number;
  loadBefore: number[];
  loadAfter: number[];
  kdl: KdlCost;
}

const STAGE_ORDER = ['receiver', 'expander', 'publisher', 'reporter'];
const r2 = (n: number) => Math.round(n * 100) / 100;

/** The four stages' CPU ms per webhook summed (the orchestrator is not a stage). */
export const stagesTotal = (cpu: Record<string, number>): number =>
  r2(STAGE_ORDER.reduce((a, s) => a + (cpu[s] ?? 0), 0));

/** The lines bench:cost prints. */
export function costLines(f: CostFigures): string[] {
  const cpu = f.cpuMsPerWebhook;
  const jobsPerWebhook = f.jobs / f.pushes;
  return [
    '',
    `${f.pushes} webhooks, ${f.jobs} jobs, all done in ${f.seconds.toFixed(1)} s${f.drained ? '' : ' (NOT all done: figures undercount)'}`,
    '',
    '| stage | CPU ms per webhook |',
    '|---|---:|',
    ...STAGE_ORDER.map((s) => `| ${s} | ${(cpu[s] ?? 0).toFixed(2)} |`),
    `| **all four** | **${stagesTotal(cpu).toFixed(2)}** |`,
    `| (demo orchestrator) | ${(cpu['demo-orchestrator'] ?? 0).toFixed(2)} |`,
    '',
    `reporter: ${r2((cpu.reporter ?? 0) / jobsPerWebhook)} ms per job; expander: ${r2(cpu.expander ?? 0)} ms per webhook`,
    `GitHub calls per job ${r2(f.githubCallsPerJob)}; by kind ${JSON.stringify(f.githubCalls)}`,
    `KDL parse (kdljs 0.3, the 3-job workflow): cold load ${f.kdl.coldLoadMs} ms + first parse ${f.kdl.coldParseMs} ms; warm ${f.kdl.warmParseMs} ms per parse (mean of ${f.kdl.parses})`,
    `load average before ${f.loadBefore.join(' ')}, after ${f.loadAfter.join(' ')}`,
  ];
}
