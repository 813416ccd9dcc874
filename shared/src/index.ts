export {
  PermanentError,
  RetryLater,
  HttpError,
  ConfigError,
  isPermanent,
  errorMessage,
} from './errors.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { ConfigReader, flagName, redactUrl, type ConfigSource } from './config/reader.js';
export { readSecret, type SecretValue } from './config/secret.js';
export {
  readStageSettings,
  stageTimingProblem,
  readRedisSettings,
  readLogLevel,
  readAddr,
  parseAddr,
  readAmqpSettings,
  readAmqpUrl,
  DEFAULT_REDIS_URL,
  DEFAULT_AMQP_URL,
  type StageSettings,
} from './config/common.js';
export {
  readCredentialsDir,
  waitingForAppLine,
  CREDENTIAL_FILES,
  type DirCredentials,
} from './config/credentials-dir.js';
export {
  watchCredentials,
  CREDENTIALS_POLL_MS,
  type CredentialsWatch,
  type WatchCredentialsOptions,
} from './setup/watch-credentials.js';
export { awaitCredentials, type AwaitCredentialsOptions } from './setup/await-credentials.js';
export { groupIdFor, requestIdFor, SOLSTICE_NAMESPACE } from './ids.js';
export {
  keysFor,
  deadStreamOf,
  deadQueueOf,
  errorsKeyOf,
  aliveKeyOf,
  type Keys,
  type WriterKeys,
} from './keys.js';
export {
  checkIdentityOf,
  checkIdentityFields,
  checkRecordOf,
  checkRunNameOf,
  readCheckRecordTtl,
  type CheckIdentity,
  type CheckRecord,
} from './check-record.js';
export {
  validateJobRequest,
  validateJobResult,
  parseJson,
  type JobRequest,
  type JobResult,
} from './messages.js';
export {
  envelopeToFields,
  envelopeFromFields,
  type JobEnvelope,
  type RepositoryRef,
} from './job-envelope.js';
export { rawEventToFields, rawEventFromFields, payloadOf, type RawEvent } from './raw-event.js';
export {
  createRedis,
  waitReady,
  closeRedis,
  pingWithin,
  type Redis,
  type RedisClientOptions,
} from './redis/client.js';
export { parseRedisTarget, type RedisTarget } from './redis/redis-target.js';
export {
  StageRunner,
  RUNNER_DEFAULTS,
  type StageRunnerOptions,
  type StreamEntry,
  type EntryOutcome,
  type BatchHandler,
} from './redis/stage-runner.js';
export { perEntry } from './redis/per-entry.js';
export { createReplicaAck, ReplicasShortError, type ReplicaAck } from './redis/replica-ack.js';
export { readReplicaAckSettings, type ReplicaAckSettings } from './config/replica-ack.js';
export { ackAndAdd, deadLetter, isRefusal, storeOnce, type Output } from './redis/scripts.js';
export type { DeadBounds } from './redis/dead-bounds.js';
export { defineScript, type RedisScript } from './redis/define-script.js';
export { trimStream, oldestNeededId, type TrimPolicy } from './redis/trim.js';
export {
  compareStreamIds,
  nextStreamId,
  parseStreamId,
  fieldsToObject,
  objectToFields,
} from './redis/stream-ids.js';
export {
  createStage,
  connectStage,
  closeStageConnections,
  consumerNameFor,
  type StageConnections,
  type StageOptions,
} from './stage.js';
export { createMetrics, type Metrics } from './metrics.js';
export { startOpsServer, type OpsServerOptions } from './ops-server.js';
export {
  Lifecycle,
  closeAll,
  handleProcessSignals,
  type CloseStep,
  type Drainable,
  type StepOptions,
} from './lifecycle.js';
export {
  SHUTDOWN_LIMITS,
  exitCodeOf,
  shutdownReport,
  stepLimitMs,
  type ShutdownLimits,
  type ShutdownReport,
  type StepKind,
  type StepOutcome,
} from './shutdown.js';
export { runMain } from './process.js';
export {
  connectAmqp,
  type AmqpConnectOptions,
  type AmqpSettings,
  type ChannelModel,
  type RecoveringChannelModel,
} from './amqp/connect.js';
export { amqpUrlsOf, firstAmqpUrl } from './amqp/amqp-nodes.js';
export { ChannelKeeper, type ChannelKeeperOptions, type OnChannel } from './amqp/channel-keeper.js';
export {
  ConfirmPublisher,
  type ConfirmPublisherOptions,
  type OutgoingMessage,
  type PublishOutcome,
  type PublishResult,
} from './amqp/confirm-publisher.js';
export { PublishingLink, type PublishingLinkOptions } from './amqp/publishing-link.js';
export {
  createConsumer,
  type Consumer,
  type ConsumerOptions,
  type Disposition,
} from './amqp/consumer.js';
export {
  readGitHubSettings,
  readCheckName,
  readEventRules,
  type GitHubSettings,
} from './github/settings.js';
export {
  createGitHubApp,
  type GitHubApp,
  type GitHubAppOptions,
  type GitHubClient,
} from './github/app-octokit.js';
export { exchangeManifestCode, type AppRegistration } from './github/exchange-manifest-code.js';
export { redisTokenCache } from './github/token-cache.js';
export {
  createInstallationLookup,
  type InstallationLookup,
  type InstallationLookupOptions,
} from './github/installation-lookup.js';
export { eventVerdict, type EventVerdict, type EventRules } from './github/event-verdict.js';
export {
  decodePayload,
  mediaTypeOf,
  type DecodedPayload,
  type PayloadProblem,
} from './github/decode-payload.js';
export { checkRunName, jobIdOfCheckRun, noticeRunName } from './github/check-run-name.js';
export {
  noticeIdFor,
  noticeToFields,
  noticeFromFields,
  isNoticeEntry,
  type Notice,
  type NoticeAction,
} from './github/notice.js';
export { repositoryOf, type PayloadRepository, type RepositoryOf } from './github/repository-of.js';
export { parseRepoUrl } from './github/parse-repo-url.js';
export { commitShaOf } from './github/commit-sha-of.js';
export { showValue } from './github/show-value.js';
export {
  isRateLimited,
  isTokenMint,
  isFinalGitHubFailure,
  rethrowGitHubFailure,
  mayHaveHappened,
  exhaustedUntil,
  rateLimitedUntil,
  type AnswerHeaders,
} from './github/github-failure.js';
