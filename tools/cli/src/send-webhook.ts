import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sign } from '@octokit/webhooks-methods';
import { ConfigReader, readSecret } from '@solstice/shared';
import { CliError, usageError } from './cli-error.js';
import { defineCommand } from './command.js';
import { stringOption } from './parse-command-args.js';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The request GitHub would send: the body as given, signed over its exact bytes. */
export async function webhookRequest(o: {
  url: string;
  event: string;
  body: string;
  secret: string | undefined;
  deliveryId: string;
  hookId: string;
}): Promise<WebhookRequest> {
  // https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/solstice-cli',
    'x-github-event': o.event,
    'x-github-delivery': o.deliveryId,
    'x-github-hook-id': o.hookId,
  };
  if (o.secret !== undefined) headers['x-hub-signature-256'] = await sign(o.secret, o.body);
  return { url: o.url, headers, body: o.body };
}

export const sendWebhookCommand = defineCommand({
  name: 'send-webhook',
  usage:
    'send-webhook <file.json> --event <name> [--url URL] [--hook-id N] [--delivery GUID] (secret: GITHUB_WEBHOOK_SECRET[_FILE]; --secret S works but warns)',
  summary: 'sign and POST a webhook payload to the receiver, as GitHub would',
  options: {
    event: { type: 'string' },
    url: { type: 'string' },
    secret: { type: 'string' },
    'hook-id': { type: 'string' },
    delivery: { type: 'string' },
  },
  positionals: { min: 1, max: 1, names: 'one payload file (JSON)' },
  async run(args, ctx) {
    const event = stringOption(args, 'event');
    if (event === undefined) throw usageError('needs --event (push, pull_request…)');
    const file = args.positionals[0]!;
    let body: string;
    try {
      body = await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(
        `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    try {
      JSON.parse(body);
    } catch {
      throw new CliError(`${file} is not JSON: a webhook payload is a JSON object`);
    }
    const flagSecret = stringOption(args, 'secret');
    if (flagSecret !== undefined)
      ctx.err(
        'solstice send-webhook: warning: --secret is visible to every user of this machine (ps, /proc) and in shell history; set GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_FILE instead',
      );
    // The receiver's secret setting may list several (rotation); GitHub signs with one.
    const secret = flagSecret ?? receiverSecret(ctx.env)?.split(',')[0]?.trim();
    const req = await webhookRequest({
      url: stringOption(args, 'url') ?? 'http://127.0.0.1:8082/webhooks/github',
      event,
      body,
      secret: secret || undefined,
      deliveryId: stringOption(args, 'delivery') ?? randomUUID(),
      hookId: stringOption(args, 'hook-id') ?? '1',
    });
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      // fetch rejects with "fetch failed"; the reason is its cause (ECONNREFUSED, bad port…).
      const e = err as {
        name?: string;
        message?: string;
        cause?: { code?: string; message?: string };
      };
      const why =
        e.name === 'TimeoutError'
          ? 'no answer within 10 s'
          : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
      throw new CliError(
        `cannot reach the receiver at ${req.url} (${why}): start it (npm start, or docker compose up -d receiver) or give --url`,
      );
    }
    const text = (await res.text()).trim();
    ctx.out(
      `${res.status} ${res.statusText}  event=${event} delivery=${req.headers['x-github-delivery']} ` +
        `hook=${req.headers['x-github-hook-id']}${secret ? '' : ' (unsigned: no secret given)'}` +
        (text ? `  ${text.slice(0, 300)}` : ''),
    );
    return res.ok ? 0 : 1;
  },
});

/** The receiver's webhook secret setting, read as the receiver reads it (its file form too). */
function receiverSecret(env: Record<string, string | undefined>): string | undefined {
  const r = new ConfigReader({ env });
  const found =
    readSecret(r, 'GITHUB_WEBHOOK_SECRET', { file: true }) ?? readSecret(r, 'WEBHOOK_SECRET');
  if (r.problems.length > 0) throw new CliError(r.problems.join('; '));
  return found?.value;
}
