import { createReplicaAck, type Keys, type ReplicaAckSettings, type Redis } from '@solstice/shared';
import {
  scanScript,
  acquireScript,
  renewScript,
  beginScript,
  doneScript,
  failScript,
  adoptScript,
  moveScript,
  settleScript,
} from './writer-scripts.js';

export type BeginOutcome = { kind: 'go' } | { kind: 'wait'; ms: number } | { kind: 'lost' };

export type FailKind =
  { kind: 'pause'; untilMs: number } | { kind: 'retry'; afterMs: number } | { kind: 'giveup' };

/** The writers' schedule, leases and pacing in Redis (keys.writer). */
export interface WriterStore {
  scan(limit: number): Promise<{ ready: string[]; nextInMs: number }>;
  acquire(inst: string, token: string): Promise<boolean>;
  renew(inst: string, token: string): Promise<boolean>;
  head(inst: string): Promise<string | undefined>;
  begin(inst: string, token: string, requestId: string, create: boolean): Promise<BeginOutcome>;
  done(inst: string, token: string, requestId: string, shown: Shown): Promise<void>;
  fail(inst: string, token: string, requestId: string, f: Failure): Promise<void>;
  adopt(
    requestId: string,
    run: { id: number; status: string; conclusion: string | null } | undefined,
  ): Promise<void>;
  move(requestId: string, from: string, to: string): Promise<void>;
  /** Takes `requestId` ('' none) off the queue and gives the lease back. */
  settle(inst: string, token: string, requestId: string): Promise<void>;
}

export interface Shown {
  version: number;
  runId: number;
  status: string;
  /** The answer said the primary rate limit is used up: pause until then (ms). */
  pausedUntil?: number;
}

export type Failure = FailKind & { keepInflight: boolean; error: string };

export function createWriterStore(o: {
  redis: Redis;
  keys: Keys;
  leaseMs: number;
  /** GITHUB_WRITE_MIN_MS: least time from one write's answer to the next write. */
  gapMs: (inst: string) => number;
  /** REDIS_MIN_REPLICAS_ACK: replicas that must have a create's in-flight mark (0: off). */
  replicaAck?: ReplicaAckSettings;
}): WriterStore {
  const { redis } = o;
  const { minReplicasAck = 0, replicasAckTimeoutMs = 500 } = o.replicaAck ?? {};
  const durable =
    minReplicasAck > 0 ? createReplicaAck(redis, minReplicasAck, replicasAckTimeoutMs) : undefined;
  const w = o.keys.writer;
  const rec = o.keys.checkRecord;
  return {
    async scan(limit) {
      const [ready, nextInMs] = await scanScript(redis, [w.due], [limit]);
      return { ready, nextInMs: Number(nextInMs) };
    },
    async acquire(inst, token) {
      return (await acquireScript(redis, [w.lease(inst), w.due], [token, o.leaseMs, inst])) === 1;
    },
    async renew(inst, token) {
      return (await renewScript(redis, [w.lease(inst), w.due], [token, o.leaseMs, inst])) === 1;
    },
    async head(inst) {
      return (await redis.zrange(w.queue(inst), 0, 0))[0];
    },
    async begin(inst, token, requestId, create) {
      const [kind, ms] = await beginScript(
        redis,
        [w.lease(inst), w.state(inst), rec(requestId)],
        [token, o.gapMs(inst), create ? '1' : ''],
      );
      if (kind === 'wait') return { kind, ms: Number(ms) };
      // A failover must not lose the mark of a create GitHub then makes: the next turn would
      // create again instead of looking the run up. Throws ReplicasShortError when short.
      if (kind === 'go' && create && durable) await durable();
      return { kind } as BeginOutcome;
    },
    async done(inst, token, requestId, shown) {
      await doneScript(
        redis,
        [rec(requestId), w.queue(inst), w.due, w.lease(inst), w.state(inst), w.paused, w.seq],
        [
          requestId,
          token,
          shown.version,
          shown.runId,
          shown.status,
          o.gapMs(inst),
          inst,
          Math.round(shown.pausedUntil ?? 0),
        ],
      );
    },
    async fail(inst, token, requestId, f) {
      const ms = f.kind === 'pause' ? f.untilMs : f.kind === 'retry' ? f.afterMs : 0;
      await failScript(
        redis,
        [rec(requestId), w.queue(inst), w.due, w.lease(inst), w.state(inst), w.paused],
        [
          requestId,
          token,
          f.kind,
          Math.round(ms),
          o.gapMs(inst),
          f.keepInflight ? '1' : '',
          f.error.slice(0, 2000),
          inst,
        ],
      );
    },
    async adopt(requestId, run) {
      await adoptScript(
        redis,
        [rec(requestId)],
        run ? [run.id, run.status, run.conclusion ?? ''] : ['', '', ''],
      );
    },
    async move(requestId, from, to) {
      await moveScript(
        redis,
        [rec(requestId), w.queue(from), w.queue(to), w.due, w.state(to), w.seq],
        [requestId, to],
      );
    },
    async settle(inst, token, requestId) {
      await settleScript(
        redis,
        [w.queue(inst), w.due, w.lease(inst), w.state(inst)],
        [requestId, token, inst],
      );
    },
  };
}
