import type { ConfigReader } from './reader.js';

/** Redis WAIT after the writes that must survive a failover (0 replicas: off). */
export interface ReplicaAckSettings {
  /** REDIS_MIN_REPLICAS_ACK: replicas that must have the write before the stage goes on. */
  minReplicasAck: number;
  /** REDIS_REPLICAS_ACK_TIMEOUT_MS: the Redis WAIT timeout. */
  replicasAckTimeoutMs: number;
}

export function readReplicaAckSettings(r: ConfigReader): ReplicaAckSettings {
  return {
    minReplicasAck: r.int('REDIS_MIN_REPLICAS_ACK', 0, { min: 0, max: 16 }),
    // Below the 2 s command timeout of the stages' connections (createRedis).
    replicasAckTimeoutMs: r.int('REDIS_REPLICAS_ACK_TIMEOUT_MS', 500, { min: 1, max: 1500 }),
  };
}
