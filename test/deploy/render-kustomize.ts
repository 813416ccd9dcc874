import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** A rendered Kubernetes object, before validation. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const missingKubectl =
  'kubectl was not found on PATH: the Kubernetes manifests in deploy/ are rendered with ' +
  '`kubectl kustomize` (kubectl 1.27 or newer, with kustomize v5). Install kubectl to run these tests.';

/** The kustomize version kubectl carries, e.g. "v5.5.0"; fails clearly without kubectl. */
export async function kustomizeVersion(): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['version', '--client', '--output=json']));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(missingKubectl);
    throw err;
  }
  const version = (JSON.parse(stdout) as { kustomizeVersion?: string }).kustomizeVersion;
  if (version === undefined) throw new Error(`kubectl carries no kustomize: ${stdout}`);
  return version;
}

/** `kubectl kustomize <dir>`, parsed: every object the directory renders to. */
export async function renderKustomize(dir: string): Promise<RenderedObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(missingKubectl);
    throw new Error(
      `kubectl kustomize ${dir} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`,
    );
  }
  return parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length > 0)
      throw new Error(`kubectl kustomize ${dir}: ${doc.errors[0]!.message}`);
    return doc.toJS() as RenderedObject;
  });
}
