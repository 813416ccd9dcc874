import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '@solstice/cli/stage-process';
import { parse } from 'kdljs';

export interface KdlCost {
  /** A fresh node: loading kdljs (its parser built on import), ms. */
  coldLoadMs: number;
  /** A fresh node: the first parse after loading, ms. */
  coldParseMs: number;
  /** This process, after a warm-up: mean ms per parse. */
  warmParseMs: number;
  parses: number;
}

// Runs in a child process: a cold import and first parse, in ms.
const COLD = `
const t0 = performance.now();
const { parse } = await import('kdljs');
const t1 = performance.now();
const out = parse(process.env.KDL_TEXT);
const t2 = performance.now();
if (out.errors.length) throw new Error('kdljs: ' + out.errors[0].message);
process.stdout.write(JSON.stringify({ load: t1 - t0, parse: t2 - t1 }));
`;

/** What parsing `text` with kdljs (KDL 2, as the expander does first) costs, cold and warm. */
export async function measureKdl(text: string, parses: number): Promise<KdlCost> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', COLD],
    { cwd: ROOT, env: { ...process.env, KDL_TEXT: text } },
  );
  const cold = JSON.parse(stdout) as { load: number; parse: number };
  const first = parse(text);
  if (first.errors.length) throw new Error(`kdljs: ${first.errors[0]!.message}`);
  for (let i = 0; i < Math.min(parses, 500); i++) parse(text); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < parses; i++) parse(text);
  const warm = (performance.now() - t0) / parses;
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    coldLoadMs: r3(cold.load),
    coldParseMs: r3(cold.parse),
    warmParseMs: r3(warm),
    parses,
  };
}
