// The top inclusive entries of a V8 CPU profile (`node --cpu-prof`), by package and by function:
// for each sample, every package (or function) on its stack counts its time once.
//   node tools/bench/dist/cost-profile.js <file.cpuprofile> [top=15]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which package (or part of node, or workspace of this project) a script belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:internal/deps/undici')) return 'undici (node fetch)';
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' ? (parts[1] ?? '') : parts[0]}`;
  }
  const ws = /\/(services\/[^/]+|shared|tools\/[^/]+)\/dist\//.exec(url);
  return ws ? `solstice ${ws[1]}` : url;
}

export interface Inclusive {
  name: string;
  ms: number;
  share: number;
}

/** Inclusive ms of each key (package or function) over the profile's samples, most first. */
export function inclusive(p: Profile, keyOf: (n: ProfileNode) => string): Inclusive[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  let all = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i + 1] ?? 0; // a sample's time is the gap to the next one
    all += us;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(byId.get(at)!);
      if (key === '(root)' || seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + us);
    }
  });
  return [...totals]
    .map(([name, us]) => ({ name, ms: us / 1000, share: all ? us / all : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

const main = () => {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: cost-profile.js <file.cpuprofile> [top]');
  const top = Number(topArg ?? 15);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const total = p.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
  const idle = inclusive(p, (n) => n.callFrame.functionName).find((e) => e.name === '(idle)');
  const busy = total - (idle?.ms ?? 0);
  const show = (rows: Inclusive[]) =>
    rows
      .filter((r) => r.name !== '(idle)' && r.name !== '(program)')
      .slice(0, top)
      .map(
        (r) =>
          `  ${r.ms.toFixed(0).padStart(7)} ms  ${((r.ms / busy) * 100).toFixed(1).padStart(5)}%  ${r.name}`,
      )
      .join('\n');
  console.log(`${file}: ${total.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms not idle`);
  console.log('inclusive by package (share of the not-idle time):');
  console.log(show(inclusive(p, (n) => packageOf(n.callFrame.url, n.callFrame.functionName))));
  console.log('inclusive by function:');
  console.log(
    show(
      inclusive(p, (n) => {
        const f = n.callFrame;
        if (!f.url) return f.functionName;
        return `${f.functionName || '(anonymous)'} ${packageOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
      }),
    ),
  );
};

if (import.meta.url === `file://${process.argv[1]}`) main();
