import { parse as parseKdl2, type Document, type Node, type Value } from 'kdljs';
import { parse as parseKdl1 } from 'kdljs1';
import { isJobId, isRunnerLabel, scriptPathProblem } from './safe-names.js';

/** One `job` node of a workflow file. */
export interface WorkflowJob {
  id: string;
  runsOn: string | null;
  script: string | null;
}

export interface WorkflowLimits {
  /** WORKFLOW_MAX_BYTES: checked before the text is parsed. */
  maxBytes: number;
  /** WORKFLOW_MAX_JOBS */
  maxJobs: number;
}

/** Which parser read the file: KDL 2 first, KDL 1 (kdljs 0.2) when KDL 2 could not. */
export type KdlVersion = 'kdl2' | 'kdl1';

/** The jobs of a usable file (plus what was ignored in it), or why the file cannot be used. */
export type ParsedWorkflow =
  { jobs: WorkflowJob[]; parser: KdlVersion; ignored: string[] } | { error: string };

type KdlRead = { doc: Document; parser: KdlVersion } | { error: string };

/** Why a file of `bytes` bytes is refused unread. */
export function tooLarge(bytes: number, maxBytes: number): string {
  return `${bytes} bytes, over the limit of ${maxBytes} (WORKFLOW_MAX_BYTES)`;
}

/** Reads `.solstice/workflow.kdl` text (DESIGN.md "Workflow expansion"); never throws. */
export function parseWorkflow(text: string, limits: WorkflowLimits): ParsedWorkflow {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) return { error: tooLarge(bytes, limits.maxBytes) };
  const read = readKdl(text.replace(/^\uFEFF/, ''));
  if ('error' in read) return read;

  const ignored: string[] = [];
  const workflows = read.doc.filter((n) => n.name === 'workflow');
  if (workflows.length > 1) return { error: 'more than one workflow node' };
  const jobNodes: Node[] = [];
  for (const node of [...read.doc, ...(workflows[0]?.children ?? [])]) {
    if (node.name === 'job') jobNodes.push(node);
    else if (node.name !== 'workflow') ignored.push(`unknown node '${clip(node.name)}'`);
  }
  if (jobNodes.length === 0)
    return { error: 'no jobs (expected job nodes, inside workflow or at the top level)' };
  if (jobNodes.length > limits.maxJobs)
    return {
      error: `${jobNodes.length} jobs, over the limit of ${limits.maxJobs} (WORKFLOW_MAX_JOBS)`,
    };

  const jobs: WorkflowJob[] = [];
  const seen = new Set<string>();
  for (const [i, node] of jobNodes.entries()) {
    const job = readJob(node, i + 1, ignored);
    if (typeof job === 'string') return { error: job };
    if (seen.has(job.id)) return { error: `job ${show(job.id)} is defined more than once` };
    seen.add(job.id);
    jobs.push(job);
  }
  return { jobs, parser: read.parser, ignored };
}

const JOB_KEYS = new Set(['id', 'runs_on', 'runs-on', 'script']);

function readJob(node: Node, position: number, ignored: string[]): WorkflowJob | string {
  const idValue = node.values[0] ?? node.properties.id;
  if (idValue === undefined || idValue === null)
    return `job #${position} has no id (give it as the first argument or id=)`;
  if (typeof idValue !== 'string') return `job #${position}: its id must be a string`;
  if (!isJobId(idValue))
    return `job ${show(idValue)}: an id is 1-100 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`;
  const id = idValue;
  const at = `job ${show(id)}`;

  for (const key of Object.keys(node.properties))
    if (!JOB_KEYS.has(key)) ignored.push(`${at}: unknown property '${clip(key)}'`);
  for (const child of node.children)
    if (!JOB_KEYS.has(child.name) || child.name === 'id')
      ignored.push(`${at}: unknown node '${clip(child.name)}'`);

  const runsOn = setting(node, ['runs_on', 'runs-on']);
  if (runsOn.error) return `${at}: runs_on ${runsOn.error}`;
  if (runsOn.value !== null && !isRunnerLabel(runsOn.value))
    return `${at}: runs_on ${show(runsOn.value)} is not 1-100 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit`;

  const script = setting(node, ['script']);
  if (script.error) return `${at}: script ${script.error}`;
  if (script.value !== null) {
    const problem = scriptPathProblem(script.value);
    if (problem) return `${at}: script ${show(script.value)} ${problem}`;
  }
  return { id, runsOn: runsOn.value, script: script.value };
}

/** A string setting given as a property or as a child node's first argument, at most once. */
function setting(node: Node, names: string[]): { value: string | null; error?: string } {
  const found: Value[] = [];
  for (const name of names) {
    if (name in node.properties) found.push(node.properties[name]!);
    for (const child of node.children) if (child.name === name) found.push(child.values[0] ?? null);
  }
  if (found.length === 0) return { value: null };
  if (found.length > 1) return { value: null, error: 'is set more than once' };
  const value = found[0];
  if (typeof value !== 'string') return { value: null, error: 'must be a string' };
  return { value };
}

/** KDL 2, else KDL 1; the reason names the KDL 2 error, where the file most likely is. */
function readKdl(text: string): KdlRead {
  const v2 = tryParse(parseKdl2, text);
  if ('doc' in v2) return { doc: v2.doc, parser: 'kdl2' };
  const v1 = tryParse(parseKdl1, text);
  if ('doc' in v1) return { doc: v1.doc, parser: 'kdl1' };
  return { error: `not valid KDL (2 or 1): ${v2.error}` };
}

function tryParse(parse: typeof parseKdl2, text: string): { doc: Document } | { error: string } {
  let result: ReturnType<typeof parseKdl2>;
  try {
    result = parse(text);
  } catch (err) {
    // kdljs recurses once per nesting level: a hostile file overflows the stack.
    if (err instanceof RangeError) return { error: 'nodes are nested too deeply to read' };
    return { error: `the parser failed (${clip(String(err))})` };
  }
  const first = result.errors[0];
  if (first || !result.output) {
    const token = (
      first as { token?: { image?: string; startLine?: number; startColumn?: number } }
    )?.token;
    if (token && Number.isFinite(token.startLine))
      return {
        error: `unexpected ${show(token.image ?? '')} at line ${token.startLine}, column ${token.startColumn}`,
      };
    // chevrotain's end-of-input token has no position.
    if (token) return { error: 'unexpected end of file (a { without its })' };
    return { error: clip(first?.message ?? 'no document') };
  }
  return { doc: result.output };
}

function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A value from the file, quoted and cut short, safe to put in a message. */
function show(value: string): string {
  return JSON.stringify(clip(value, 40));
}
