import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRegistrationHandler,
  holdsCredentials,
  isLocalAddress,
  loadAppManifest,
  memoryStateStore,
  readSetupConfig,
  writeCredentials,
} from '@solstice/receiver/setup';
import { ConfigReader, exchangeManifestCode, type AppRegistration } from '@solstice/shared';
import { CliError, usageError } from './cli-error.js';
import { cliLogger } from './cli-logger.js';
import { defineCommand } from './command.js';
import { stringOption } from './parse-command-args.js';
import { doneReading } from './redis-settings.js';
import { DEFAULT_CREDENTIALS_DIR } from './stages.js';

// GitHub wants the manifest flow done within one hour.
const FLOW_MS = 3600_000;

export const appCreateCommand = defineCommand({
  name: 'app create',
  usage: 'app create [--org NAME] [--webhook-url URL] [--dir DIR] [--port N]',
  summary:
    'register the GitHub App from app.yml in a browser (a page on 127.0.0.1) and write its credentials',
  options: {
    org: { type: 'string' },
    'webhook-url': { type: 'string' },
    dir: { type: 'string' },
    port: { type: 'string' },
  },
  positionals: { min: 0, max: 0, names: 'no arguments, only options' },
  async run(args, ctx) {
    const r = new ConfigReader({ env: ctx.env });
    const apiBase = r
      .url('GITHUB_API_BASE', 'https://api.github.com', ['https:', 'http:'])
      .replace(/\/+$/, '');
    const setup = readSetupConfig(r, apiBase);
    doneReading(r);
    const dir = stringOption(args, 'dir') ?? setup.credentialsDir ?? DEFAULT_CREDENTIALS_DIR;
    const webhookUrl =
      stringOption(args, 'webhook-url') ??
      setup.webhookUrl ??
      'http://localhost:8082/webhooks/github';
    if (!/^https?:\/\/[^/]/.test(webhookUrl))
      throw usageError(`--webhook-url: expected an http(s) URL, got '${webhookUrl}'`);
    const port = Number(stringOption(args, 'port') ?? '0');
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw usageError('--port: expected a port number (0: any free port)');
    if (holdsCredentials(dir))
      throw new CliError(
        `${dir} holds GitHub App credentials already; remove app-id, private-key.pem and ` +
          'webhook-secret there (or give --dir) to register another App',
      );

    let saved: AppRegistration | undefined;
    const handle = createRegistrationHandler({
      manifest: loadAppManifest(),
      githubWebUrl: setup.githubWebUrl,
      webhookUrl,
      webhookPath: new URL(webhookUrl).pathname,
      states: memoryStateStore(),
      exchange: (code) => exchangeManifestCode(apiBase, code),
      save: async (app) => {
        await writeCredentials(dir, app);
        saved = app;
      },
      log: cliLogger(ctx),
    });
    let finished: (app: AppRegistration) => void = () => undefined;
    const registered = new Promise<AppRegistration>((resolve) => (finished = resolve));
    const server = createServer((req, res) => {
      // Done once the browser has its way on to GitHub's install page.
      res.once('finish', () => {
        if (saved) finished(saved);
      });
      handle(req, res).then(
        (served) => {
          if (!served) notFound(res);
        },
        () => notFound(res),
      );
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const { port: bound } = server.address() as AddressInfo;
    const org = stringOption(args, 'org');
    const page = `http://127.0.0.1:${bound}/${org ? `?org=${encodeURIComponent(org)}` : ''}`;
    ctx.out(`Open ${page} in a browser on this machine and press "Register the GitHub App".`);
    ctx.out(`(GitHub: ${setup.githubWebUrl}; the App's webhook URL: ${webhookUrl})`);
    if (isLocalAddress(webhookUrl))
      ctx.err(
        'note: GitHub cannot deliver webhooks to a local address: give --webhook-url (a tunnel, ' +
          'README "Connect to GitHub") or change the App\'s webhook URL in its settings later',
      );
    let app: AppRegistration;
    try {
      app = await waitFor(registered, ctx.signal);
    } finally {
      server.close();
      server.closeAllConnections();
    }
    ctx.out(`Registered the GitHub App ${app.slug} (id ${app.id}, owner ${app.owner ?? '?'}).`);
    ctx.out(`Wrote app-id, private-key.pem, webhook-secret and app.json to ${dir}.`);
    ctx.out(`Install it on repositories: ${app.htmlUrl}/installations/new`);
    ctx.out(`Stages with CREDENTIALS_DIR=${dir} (npm start's default) pick it up within seconds.`);
    return 0;
  },
});

function notFound(res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

function waitFor(
  registered: Promise<AppRegistration>,
  signal?: AbortSignal,
): Promise<AppRegistration> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new CliError('no registration finished within the hour GitHub allows; start again')),
      FLOW_MS,
    );
    const stop = () => reject(new CliError('stopped before the App was registered'));
    signal?.addEventListener('abort', stop, { once: true });
    registered.then((app) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      resolve(app);
    }, reject);
  });
}
