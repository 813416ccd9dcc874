import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { DeadBounds } from './dead-bounds.js';
import { deadLetter, isRefusal } from './scripts.js';
import type { StreamEntry } from './stage-runner.js';

export interface DeadLetterContext {
  redis: Redis;
  stream: string;
  group: string;
  log: Logger;
  metrics?: Metrics;
  deadStream: string;
  errorsKey: string;
  bounds: DeadBounds;
}

/**
 * Moves one pending entry to the dead stream with its fields, the reason and the stage
 * (`dead_group`), acking it in the same script; a refusal or failure is logged, and the
 * entry stays pending to be tried again.
 */
export async function deadLetterEntry(
  o: DeadLetterContext,
  entry: StreamEntry,
  reason: string,
): Promise<void> {
  const { redis, stream, group, log, metrics } = o;
  const fields = {
    ...entry.fields,
    dead_error: reason.slice(0, 4000),
    dead_source_id: entry.id,
    dead_group: group,
    dead_deliveries: String(entry.deliveries),
    dead_at: new Date().toISOString(),
  };
  try {
    const { moved, dropped } = await deadLetter(
      redis,
      stream,
      o.deadStream,
      o.errorsKey,
      group,
      entry.id,
      fields,
      o.bounds,
    );
    if (dropped > 0) metrics?.deadDropped.inc({ stream }, dropped);
    if (moved) {
      metrics?.deadLettered.inc({ stream });
      metrics?.entriesHandled.inc({ stream, outcome: 'dead' });
      log.error(
        { stream, id: entry.id, delivery: entry.fields.delivery, reason },
        'entry dead-lettered',
      );
    }
  } catch (err) {
    log.error(
      { stream, id: entry.id, reason, err: errorMessage(err) },
      isRefusal(err)
        ? 'dead-lettering refused before any write: the entry stays pending and is tried again after RETRY_MIN_IDLE_MS'
        : 'dead-lettering failed: the entry stays pending unless the script ran, and is tried again after RETRY_MIN_IDLE_MS',
    );
  }
}
