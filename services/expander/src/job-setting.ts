import type { Node, Value } from 'kdljs';
import { findLine, jobPattern, nodePattern, propertyPattern } from './find-line.js';
import { clip } from './show.js';

/** A job's string setting, or why it cannot be read (naming the setting, and a line where known). */
export type JobSetting = { value: string | null; error?: undefined } | { error: string };

/** Where the job is: its id and the workflow text, to name the line of a form refused. */
export interface JobAt {
  id: string;
  text: string;
}

/**
 * A string setting of a job (`runs_on`, `script`), given once: as a property of the job
 * (`runs_on="x"`), as a child node's argument (`runs_on "x"`) or as a child node's `value=`
 * property (`runs_on value="x"`, KDL's key=value form of the same). `names` are its spellings
 * (`runs_on`, `runs-on`); the first is the one messages use.
 */
export function jobSetting(node: Node, names: string[], at: JobAt): JobSetting {
  const name = names[0]!;
  const found: Value[] = [];
  for (const spelling of names) {
    if (spelling in node.properties) found.push(node.properties[spelling]!);
    for (const child of node.children) {
      if (child.name !== spelling) continue;
      const given = childValue(child, name);
      if ('error' in given) return { error: `${lineOf(at, child, given.key)}${given.error}` };
      found.push(given.value);
    }
  }
  if (found.length === 0) return { value: null };
  if (found.length > 1) return { error: `${name} is set more than once` };
  const value = found[0];
  if (typeof value !== 'string') return { error: `${name} must be a string` };
  return { value };
}

/** The one value of a setting node: its argument or its `value=` property. */
function childValue(child: Node, name: string): { value: Value } | { error: string; key?: string } {
  const write = `write ${name} "…" or ${name} value="…"`;
  const other = Object.keys(child.properties).find((k) => k !== 'value');
  if (other !== undefined)
    return { error: `${formOf(child)} is not a form of ${name} (${write})`, key: other };
  const given = [
    ...child.values,
    ...('value' in child.properties ? [child.properties.value!] : []),
  ];
  if (given.length > 1)
    return { error: `${formOf(child)} gives ${name} ${given.length} values (${write})` };
  return { value: given[0] ?? null };
}

/** `line N: ` of the child node (with the property `key`) in its job, or nothing when not found. */
function lineOf(at: JobAt, child: Node, key: string | undefined): string {
  const jobLine = findLine(at.text, jobPattern(at.id));
  const pattern = key === undefined ? nodePattern(child.name) : propertyPattern(child.name, key);
  const line = findLine(at.text, pattern, jobLine);
  return line === undefined ? '' : `line ${line}: `;
}

const literal = (v: Value) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const key = (k: string) => (/^[A-Za-z_][\w.-]*$/.test(k) ? k : JSON.stringify(k));

/** The node as written (near enough: KDL 2 spelling), cut short, for a message. */
function formOf(child: Node): string {
  const args = child.values.map((v) => ` ${literal(v)}`).join('');
  const props = Object.entries(child.properties)
    .map(([k, v]) => ` ${key(k)}=${literal(v)}`)
    .join('');
  return clip(`${key(child.name)}${args}${props}`, 80);
}
