import { checkRecordOf, type Keys, type Redis } from '@solstice/shared';
import type { BuildTarget } from '../event-target.js';

/** A fork pull request waiting for approval: what its approval builds, as its event would have. */
export interface PendingApproval {
  /** The pull request event's delivery: the jobs' ids come from it, as for any event. */
  delivery: string;
  target: BuildTarget;
}

/** The pull requests waiting for approval (keys.approval), by their notice run's external_id. */
export interface ApprovalStore {
  save(noticeId: string, pending: PendingApproval): Promise<void>;
  load(noticeId: string): Promise<PendingApproval | undefined>;
  /** The run's record (the reporter's) wants it completed: approved already. */
  decided(noticeId: string): Promise<boolean>;
}

export function createApprovalStore(o: {
  redis: Redis;
  keys: Keys;
  /** How long an approval may come (CHECK_RECORD_TTL_DAYS). */
  ttlSeconds: number;
}): ApprovalStore {
  return {
    async save(noticeId, pending) {
      await o.redis.set(o.keys.approval(noticeId), JSON.stringify(pending), 'EX', o.ttlSeconds);
    },
    async load(noticeId) {
      const text = await o.redis.get(o.keys.approval(noticeId));
      if (text === null) return undefined;
      try {
        const p = JSON.parse(text) as PendingApproval;
        return typeof p.delivery === 'string' && typeof p.target?.sha === 'string' ? p : undefined;
      } catch {
        return undefined;
      }
    },
    async decided(noticeId) {
      return (
        checkRecordOf(await o.redis.hgetall(o.keys.checkRecord(noticeId)))?.want === 'completed'
      );
    },
  };
}
