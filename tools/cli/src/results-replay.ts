import { connect, type ConfirmChannel, type GetMessage } from 'amqplib';
import {
  ConfigReader,
  deadQueueOf,
  firstAmqpUrl,
  readAmqpUrl,
  readCheckRecordTtl,
  type Keys,
  type Redis,
} from '@solstice/shared';
import { defineRedisCommand } from './command.js';
import { usageError } from './cli-error.js';
import { stringOption } from './parse-command-args.js';
import { doneReading, withRedis } from './redis-settings.js';
import { vouchFor } from './vouch-for.js';

/** What becomes of one dead-lettered JobResult: back to the results queue, or kept. */
type Decision = { replay: true; how: string } | { replay: false; why: string };

async function decide(
  redis: Redis,
  keys: Keys,
  text: string,
  trust: { ttlSeconds: number } | undefined,
): Promise<Decision & { requestId: string }> {
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { replay: false, why: 'not JSON', requestId: '-' };
  }
  const requestId = typeof result.request_id === 'string' ? result.request_id : '-';
  if (requestId === '-') return { replay: false, why: 'no request_id', requestId };
  if ((await redis.hexists(keys.checkRecord(requestId), 'request_id')) === 1)
    return { replay: true, how: 'its job has a record', requestId };
  if (!trust)
    return { replay: false, why: 'no record (replay with --trust to vouch for it)', requestId };
  const vouched = await vouchFor(redis, keys, result, trust.ttlSeconds);
  return typeof vouched === 'string'
    ? { replay: false, why: vouched, requestId }
    : { replay: true, how: vouched.how, requestId };
}

export const resultsReplayCommand = defineRedisCommand({
  name: 'results replay',
  usage: 'results replay [--trust] [--max N] [--amqp-url URL] [--results-queue NAME]',
  summary:
    'move JobResults from the results DLQ back to the results queue, those whose job has a record; ' +
    '--trust vouches for the others (results from before an upgrade): a record is made from the result',
  options: {
    trust: { type: 'boolean' },
    max: { type: 'string' },
    'amqp-url': { type: 'string' },
    'results-queue': { type: 'string' },
  },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run(args, ctx, target) {
    const argv: string[] = [];
    for (const name of ['amqp-url', 'results-queue']) {
      const value = stringOption(args, name);
      if (value !== undefined) argv.push(`--${name}`, value);
    }
    const r = new ConfigReader({ env: ctx.env, argv });
    const amqpUrl = readAmqpUrl(r);
    const queue = r.string('AMQP_RESULTS_QUEUE', 'solstice.results.v1');
    const ttlSeconds = readCheckRecordTtl(r);
    doneReading(r);
    const maxText = stringOption(args, 'max');
    const max = maxText === undefined ? Infinity : Number(maxText);
    if (!(max >= 1) || (!Number.isInteger(max) && max !== Infinity))
      throw usageError(`--max needs a whole number of at least 1, got '${maxText}'`);
    const trust = args.options.trust === true ? { ttlSeconds } : undefined;

    // A one-off: the first node (a cluster's nodes serve the same queues).
    const conn = await connect(firstAmqpUrl(amqpUrl));
    try {
      const ch = await conn.createConfirmChannel();
      const dlq = deadQueueOf(queue);
      const { messageCount } = await ch.checkQueue(dlq);
      const kept: GetMessage[] = [];
      let replayed = 0;
      await withRedis(ctx, target, async (redis) => {
        // Each message once: the ones kept stay unacked (so the next get gives the next one)
        // and go back to the DLQ at the end.
        for (let i = 0; i < Math.min(messageCount, max); i++) {
          const msg = await ch.get(dlq, { noAck: false });
          if (!msg) break;
          const d = await decide(redis, target.keys, msg.content.toString('utf8'), trust);
          if (d.replay) {
            await send(ch, queue, msg);
            ch.ack(msg);
            replayed++;
            ctx.out(`replayed ${d.requestId}: ${d.how}`);
          } else {
            kept.push(msg);
            const reason = msg.properties.headers?.['x-solstice-reason'] as string | undefined;
            ctx.out(`kept ${d.requestId}: ${d.why}${reason ? ` (dead-lettered: ${reason})` : ''}`);
          }
        }
      });
      for (const msg of kept) ch.nack(msg, false, true);
      ctx.out(`replayed ${replayed}, kept ${kept.length} in ${dlq}`);
      await ch.close();
    } finally {
      await conn.close().catch(() => undefined);
    }
    return 0;
  },
});

/** To the results queue (by the default exchange), as it came, without the reason header. */
async function send(ch: ConfirmChannel, queue: string, msg: GetMessage): Promise<void> {
  const p = msg.properties;
  const {
    'x-solstice-reason': _reason,
    'x-death': _death,
    ...headers
  } = (p.headers ?? {}) as Record<string, unknown>;
  ch.sendToQueue(queue, msg.content, {
    persistent: true,
    headers,
    ...(p.contentType ? { contentType: p.contentType as string } : {}),
    ...(p.messageId ? { messageId: p.messageId as string } : {}),
    ...(p.type ? { type: p.type as string } : {}),
  });
  await ch.waitForConfirms();
}
