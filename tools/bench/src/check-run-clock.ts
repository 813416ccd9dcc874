import type { CheckRunStore, StandInCheckRun } from '@solstice/github-standin';

export interface CheckRunClock {
  /** external_id (request_id) → when its first Check Run was created (ms since the epoch). */
  created: Map<string, number>;
  /** external_id → when a run of it was first seen completed. */
  completed: Map<string, number>;
  stop(): void;
}

/**
 * Times the stand-in's Check Runs, which carry no timestamps of their own: creation is
 * recorded exactly by wrapping the store's add(); completion by polling the runs not yet
 * completed every `pollMs` (so it is late by up to that much).
 */
export function clockCheckRuns(store: CheckRunStore, pollMs = 10): CheckRunClock {
  const created = new Map<string, number>();
  const completed = new Map<string, number>();
  const open = new Set<StandInCheckRun>();
  const add = store.add.bind(store);
  const seeCompleted = (run: StandInCheckRun, at: number) => {
    if (run.status !== 'completed' || !run.external_id) return false;
    if (!completed.has(run.external_id)) completed.set(run.external_id, at);
    return true;
  };
  store.add = (run) => {
    const stored = add(run);
    const now = Date.now();
    if (stored.external_id && !created.has(stored.external_id))
      created.set(stored.external_id, now);
    if (!seeCompleted(stored, now)) open.add(stored);
    return stored;
  };
  const timer = setInterval(() => {
    const now = Date.now();
    for (const run of open) if (seeCompleted(run, now)) open.delete(run);
  }, pollMs);
  return {
    created,
    completed,
    stop: () => {
      clearInterval(timer);
      store.add = add;
    },
  };
}
