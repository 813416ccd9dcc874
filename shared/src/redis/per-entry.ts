import type { Output } from './scripts.js';
import type { BatchHandler, EntryOutcome, StreamEntry } from './stage-runner.js';

/** Turns a one-entry handler into a batch handler running up to `concurrency` at once. */
export function perEntry(
  handle: (entry: StreamEntry) => Promise<Output[]>,
  concurrency = 8,
): BatchHandler {
  return async (entries) => {
    const outcomes = new Array<EntryOutcome>(entries.length);
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const i = next++;
        try {
          outcomes[i] = { outputs: await handle(entries[i]!) };
        } catch (error) {
          outcomes[i] = { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
    return outcomes;
  };
}
