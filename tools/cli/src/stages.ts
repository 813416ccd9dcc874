import { fileURLToPath } from 'node:url';

/** The repository root, from tools/cli/dist or tools/cli/src. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Where `npm start` points the stages' CREDENTIALS_DIR, and `solstice app create` writes the
 * App's credentials, unless CREDENTIALS_DIR says otherwise (git- and docker-ignored).
 */
export const DEFAULT_CREDENTIALS_DIR = `${ROOT}.credentials`;

/** The four stages of the pipeline, in the order a webhook passes them. */
export const STAGES = ['receiver', 'expander', 'publisher', 'reporter'] as const;
export type StageName = (typeof STAGES)[number];

/** The built program of a stage: `services/<stage>/dist/main.js`. */
export function stageMain(stage: StageName): string {
  return `${ROOT}services/${stage}/dist/main.js`;
}
