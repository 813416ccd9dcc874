import type { Node } from 'kdljs';
import { jobSetting } from './job-setting.js';
import { readKdl, type KdlVersion } from './read-kdl.js';
import { isJobId, isRunnerLabel, scriptPathProblem } from './safe-names.js';
import { clip, show } from './show.js';

export type { KdlVersion };

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

/** The jobs of a usable file (plus what was ignored in it), or why the file cannot be used. */
export type ParsedWorkflow =
  { jobs: WorkflowJob[]; parser: KdlVersion; ignored: string[] } | { error: string };

/** Why a file of `bytes` bytes is refused unread. */
export function tooLarge(bytes: number, maxBytes: number): string {
  return `${bytes} bytes, over the limit of ${maxBytes} (WORKFLOW_MAX_BYTES)`;
}

/** Reads `.solstice/workflow.kdl` text (DESIGN.md "Workflow expansion"); never throws. */
export function parseWorkflow(text: string, limits: WorkflowLimits): ParsedWorkflow {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) return { error: tooLarge(bytes, limits.maxBytes) };
  const source = text.replace(/^\uFEFF/, '');
  const read = readKdl(source);
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
    const job = readJob(node, i + 1, ignored, source);
    if (typeof job === 'string') return { error: job };
    if (seen.has(job.id)) return { error: `job ${show(job.id)} is defined more than once` };
    seen.add(job.id);
    jobs.push(job);
  }
  return { jobs, parser: read.parser, ignored };
}

const JOB_KEYS = new Set(['id', 'runs_on', 'runs-on', 'script']);

function readJob(
  node: Node,
  position: number,
  ignored: string[],
  text: string,
): WorkflowJob | string {
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

  const where = { id, text };
  const runsOn = jobSetting(node, ['runs_on', 'runs-on'], where);
  if (runsOn.error !== undefined) return `${at}: ${runsOn.error}`;
  if (runsOn.value !== null && !isRunnerLabel(runsOn.value))
    return `${at}: runs_on ${show(runsOn.value)} is not 1-100 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit`;

  const script = jobSetting(node, ['script'], where);
  if (script.error !== undefined) return `${at}: ${script.error}`;
  if (script.value !== null) {
    const problem = scriptPathProblem(script.value);
    if (problem) return `${at}: script ${show(script.value)} ${problem}`;
  }
  return { id, runsOn: runsOn.value, script: script.value };
}
