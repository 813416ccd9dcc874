import {
  checkIdentityOf,
  envelopeFromFields,
  isNoticeEntry,
  noticeFromFields,
  type BatchHandler,
  type EntryOutcome,
  type Logger,
} from '@solstice/shared';
import { installationMember, type RecordStore } from './adapters/record-store.js';

export interface ChecksDeps {
  records: RecordStore;
  /** Work was queued: the writers look at the schedule now. */
  queued: () => void;
  log: Logger;
}

/**
 * A batch of `{P}:checks` entries (confirmed JobRequests): each job's record wants a queued
 * run (never set back from completed) and the job is queued for its installation's writer;
 * a notice entry (the expander's run that is not a job) is recorded and queued the same way;
 * the runner then acks the batch. Only Redis is called (the scripts go out together), so a
 * batch takes milliseconds whatever GitHub's pace. An entry that does not parse is a
 * PermanentError (dead-lettered with the reason).
 */
export function checksBatchHandler(d: ChecksDeps): BatchHandler {
  return async (entries) => {
    const deliveries = new Set<string>();
    const outcomes = await Promise.all(
      entries.map(async (entry): Promise<EntryOutcome> => {
        try {
          if (isNoticeEntry(entry.fields)) {
            const notice = noticeFromFields(entry.fields);
            deliveries.add(notice.delivery);
            const state = await d.records.recordNotice(
              notice,
              installationMember(notice.installation_id),
            );
            d.log.info(
              {
                request_id: notice.notice_id,
                delivery: notice.delivery,
                status: notice.status,
                state,
              },
              'notice run recorded',
            );
            return { outputs: [] };
          }
          const envelope = envelopeFromFields(entry.fields);
          const identity = checkIdentityOf(envelope);
          deliveries.add(identity.delivery);
          const state = await d.records.recordQueued(
            identity,
            installationMember(identity.installation_id),
          );
          d.log.debug(
            { request_id: identity.request_id, delivery: identity.delivery, state },
            'queued Check Run recorded',
          );
          return { outputs: [] };
        } catch (error) {
          return { error };
        }
      }),
    );
    const recorded = outcomes.filter((o) => 'outputs' in o).length;
    if (recorded > 0) d.queued();
    d.log.info(
      { entries: entries.length, recorded, deliveries: [...deliveries] },
      'batch of confirmed JobRequests recorded',
    );
    return outcomes;
  };
}
