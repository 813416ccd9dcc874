export {
  chooseRedeliveries,
  failedDeliveries,
  succeeded,
  type HookDelivery,
  type RedeliveryPlan,
} from './choose-redeliveries.js';
export { readRecoveryConfig, MAX_LOOKBACK_HOURS, type RecoveryConfig } from './config.js';
export { gitHubHookDeliveries, type HookDeliveries } from './hook-deliveries.js';
export { Lease, deleteIfOurs } from './lease.js';
export { createRecoveryMetrics, type RecoveryMetrics } from './recovery-metrics.js';
export { startRecovery, type StartRecoveryOptions } from './start-recovery.js';
export {
  startSweeper,
  type Sweeper,
  type SweeperOptions,
  type SweepOutcome,
} from './start-sweeper.js';
export { redisSweepState, type SweepState } from './sweep-state.js';
export { inWindow, nextCursor, type SweepCursor, type SweepWindow } from './sweep-window.js';
export { runSweep, type SweepDeps, type SweepOptions, type SweepReport } from './sweep.js';
