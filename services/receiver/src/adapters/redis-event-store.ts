import {
  HttpError,
  keysFor,
  rawEventToFields,
  storeOnce,
  type RawEvent,
  type Redis,
} from '@solstice/shared';

/** Where deliveries go: the receiver's only outside world besides HTTP. */
export interface EventStore {
  /** Adds the event to `{P}:events` unless its (hook id, delivery) was seen; idempotent. */
  store(event: RawEvent): Promise<{ id: string; created: boolean }>;
  /** Adds the event to `{P}:events` with no dedupe mark (a delivery id made up here). */
  append(event: RawEvent): Promise<string>;
  /** Marks a delivery as received without an entry (a ping). */
  markDelivered(hookId: string, delivery: string, value: string): Promise<void>;
  /** true when Redis answers. */
  ping(): Promise<boolean>;
}

export interface RedisEventStoreOptions {
  redis: Redis;
  streamPrefix: string;
  dedupeTtlSeconds: number;
}

/** A failed write is a 503, so GitHub shows the delivery as failed and it can be redelivered. */
const unavailable = (err: unknown) =>
  Object.assign(new HttpError(503, 'event store unavailable, try again later'), { cause: err });

export function createRedisEventStore(o: RedisEventStoreOptions): EventStore {
  const keys = keysFor(o.streamPrefix);
  return {
    async store(event) {
      try {
        // storeOnce: the dedupe mark (holding the entry id) and the XADD, together or not at all.
        return await storeOnce(
          o.redis,
          keys.delivery(event.hook_id, event.delivery),
          keys.events,
          o.dedupeTtlSeconds,
          rawEventToFields(event),
        );
      } catch (err) {
        throw unavailable(err);
      }
    },
    async append(event) {
      try {
        const fields = Object.entries(rawEventToFields(event)).flat();
        const id = await o.redis.xadd(keys.events, '*', ...fields);
        // Only XADD … NOMKSTREAM answers nil.
        if (id === null) throw new Error(`XADD to ${keys.events} returned no id`);
        return id;
      } catch (err) {
        throw unavailable(err);
      }
    },
    async markDelivered(hookId, delivery, value) {
      try {
        await o.redis.set(keys.delivery(hookId, delivery), value, 'EX', o.dedupeTtlSeconds);
      } catch (err) {
        throw unavailable(err);
      }
    },
    async ping() {
      try {
        return (await o.redis.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
  };
}
