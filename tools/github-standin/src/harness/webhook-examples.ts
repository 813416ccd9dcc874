import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Payloads are deep JSON that tests, benches and the demo reach into freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- that is, untyped on purpose
export type Payload = Record<string, any>;

interface WebhookExamples {
  name: string;
  examples: Payload[];
}

let all: WebhookExamples[] | undefined;

/** GitHub's own example payloads of one event (from @octokit/webhooks-examples), deep-copied. */
export function examplesOf(event: string): Payload[] {
  all ??= require('@octokit/webhooks-examples') as WebhookExamples[];
  const found = all.find((e) => e.name === event);
  if (!found) throw new Error(`no examples of ${event}`);
  return structuredClone(found.examples);
}

/** The first example of `event` matching `pick`, deep-copied. */
export function example(event: string, pick: (p: Payload) => boolean = () => true): Payload {
  const found = examplesOf(event).find(pick);
  if (!found) throw new Error(`no ${event} example matches`);
  return found;
}

/** A push to a branch (not a deletion), as GitHub's examples show it. */
export const pushExample = (): Payload => example('push', (e) => e.deleted === false);
