import { DEFAULT_REDIS_URL, errorMessage } from '@solstice/shared';
import { CliError } from './cli-error.js';
import { appCreateCommand } from './app-create.js';
import type { CliContext } from './cli-context.js';
import type { Command } from './command.js';
import { deadListCommand } from './dead-list.js';
import { deadRetryCommand } from './dead-retry.js';
import { redeliverCommand } from './redeliver.js';
import { replayCommand } from './replay.js';
import { resultsReplayCommand } from './results-replay.js';
import { sendWebhookCommand } from './send-webhook.js';
import { streamsCommand } from './streams.js';

export const COMMANDS: Command[] = [
  sendWebhookCommand,
  streamsCommand,
  replayCommand,
  redeliverCommand,
  deadListCommand,
  deadRetryCommand,
  appCreateCommand,
  resultsReplayCommand,
];

export function usage(): string[] {
  return [
    'usage: solstice <command> [options]',
    '',
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    `Redis: REDIS_URL (default ${DEFAULT_REDIS_URL}) and STREAM_PREFIX (default solstice),`,
    'or --redis-url / --stream-prefix. send-webhook signs with --secret or GITHUB_WEBHOOK_SECRET.',
    'app create: GITHUB_API_BASE, GITHUB_WEB_URL, WEBHOOK_URL and CREDENTIALS_DIR as the receiver',
    "reads them (CREDENTIALS_DIR default: the repository's .credentials, where npm start looks).",
  ];
}

/** Finds the command (`dead list` is two words), runs it, and turns failures into one line. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    for (const line of usage()) (first === undefined ? ctx.err : ctx.out)(line);
    return first === undefined ? 2 : 0;
  }
  const twoWords = `${first} ${second ?? ''}`;
  const command =
    COMMANDS.find((c) => c.name === twoWords) ?? COMMANDS.find((c) => c.name === first);
  if (!command) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
    ctx.err(
      group.length > 0
        ? `solstice: '${twoWords.trim()}' is not a command; use ${group.map((g) => `'${g}'`).join(' or ')}`
        : `solstice: unknown command '${first}' (solstice help lists the commands)`,
    );
    return 2;
  }
  try {
    return await command.run(argv.slice(command.name.split(' ').length), ctx);
  } catch (err) {
    if (err instanceof CliError) {
      ctx.err(`solstice ${command.name}: ${err.message}`);
      return err.exitCode;
    }
    ctx.err(`solstice ${command.name}: failed: ${errorMessage(err)}`);
    return 1;
  }
}
