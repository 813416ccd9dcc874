import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { availableParallelism } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memTotalMiB: number;
  node: string;
  platform: string;
}

/** What the figures came from: CPU count and model (from /proc/cpuinfo on Linux), memory, node. */
export function machine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: os.cpus() said it already
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    memTotalMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** The 1, 5 and 15 minute load averages, rounded. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = loadavg().map((v) => Math.round(v * 100) / 100);
  return [a!, b!, c!];
}

export const describeMachine = (m: Machine): string =>
  `${m.nproc} CPU(s) (${m.cpuModel}), ${m.memTotalMiB} MiB RAM, node ${m.node}, ${m.platform}`;
