import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface WebhookExamples {
  name: string;
  examples: Record<string, unknown>[];
}

const all = require('@octokit/webhooks-examples') as WebhookExamples[];

// Payloads are deep JSON the tests reach into freely.
export type Payload = Record<string, any>;

/** GitHub's own example payloads of one event (from @octokit/webhooks-examples), deep-copied. */
export function examplesOf(event: string): Payload[] {
  const found = all.find((e) => e.name === event);
  if (!found) throw new Error(`no examples of ${event}`);
  return structuredClone(found.examples) as Payload[];
}

/** The first example of `event` matching `pick`, deep-copied. */
export function example(
  event: string,
  pick: (p: Record<string, any>) => boolean = () => true,
): Record<string, any> {
  const found = examplesOf(event).find(pick);
  if (!found) throw new Error(`no ${event} example matches`);
  return found;
}

/** A push to a branch (not a deletion), as GitHub sends it to an App (with installation). */
export function pushPayload(installationId: number, sha?: string): Payload {
  const p = example('push', (e) => e.deleted === false);
  p.installation = { id: installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  if (sha) {
    p.after = sha;
    if (p.head_commit) p.head_commit.id = sha;
  }
  return p;
}
