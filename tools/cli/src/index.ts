// What other workspaces use of the CLI: its commands, run in-process by tests.
export { runCli, COMMANDS, usage } from './run-cli.js';
export { connectRedis } from './connect-redis.js';
export { parseSince, redeliverCommand } from './redeliver.js';
export type { CliContext } from './cli-context.js';
