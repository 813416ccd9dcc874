import {
  createReplicaAck,
  HttpError,
  keysFor,
  ReplicasShortError,
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
  /** REDIS_MIN_REPLICAS_ACK: answer only once this many replicas have the write (0: off). */
  minReplicasAck?: number;
  /** REDIS_REPLICAS_ACK_TIMEOUT_MS: how long to wait for them before answering 503. */
  replicasAckTimeoutMs?: number;
  /** Called when the replicas did not acknowledge in time (the request answers 503). */
  onReplicasShort?: (err: ReplicasShortError) => void;
}

/** A failed write is a 503, so GitHub shows the delivery as failed and it can be redelivered. */
const unavailable = (err: unknown) =>
  Object.assign(new HttpError(503, 'event store unavailable, try again later'), { cause: err });

export function createRedisEventStore(o: RedisEventStoreOptions): EventStore {
  const keys = keysFor(o.streamPrefix);
  const wanted = o.minReplicasAck ?? 0;
  const ack =
    wanted > 0 ? createReplicaAck(o.redis, wanted, o.replicasAckTimeoutMs ?? 500) : undefined;
  // A write the primary has but its replicas may not: lost if the primary dies now, so the
  // delivery is answered 503 (GitHub shows it failed; a redelivery finds it or stores it).
  const durable = async () => {
    if (!ack) return;
    try {
      await ack();
    } catch (err) {
      if (err instanceof ReplicasShortError) o.onReplicasShort?.(err);
      throw err;
    }
  };
  return {
    async store(event) {
      try {
        // storeOnce: the dedupe mark (holding the entry id) and the XADD, together or not at all.
        const stored = await storeOnce(
          o.redis,
          keys.delivery(event.hook_id, event.delivery),
          keys.events,
          o.dedupeTtlSeconds,
          rawEventToFields(event),
        );
        await durable();
        return stored;
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
        await durable();
        return id;
      } catch (err) {
        throw unavailable(err);
      }
    },
    async markDelivered(hookId, delivery, value) {
      try {
        await o.redis.set(keys.delivery(hookId, delivery), value, 'EX', o.dedupeTtlSeconds);
        await durable();
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
