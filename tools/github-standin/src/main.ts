import { readFileSync } from 'node:fs';
import {
  ConfigReader,
  createLogger,
  handleProcessSignals,
  parseAddr,
  readAddr,
  readSecret,
  runMain,
} from '@solstice/shared';
import { createStandIn } from './create-stand-in.js';
import { CheckRunStore } from './routes/checks.js';
import { ContentStore } from './routes/contents.js';
import { AppManifests } from './routes/manifests.js';
import { samplePush } from './sample-push.js';
import type { Route } from './server.js';
import { SAMPLE_WORKFLOW } from './sample-workflow.js';
import { generateAppKey } from './test-app-key.js';
import { WebhookSender } from './webhook-sender.js';

/**
 * The GitHub stand-in as a program, for the demo (compose profile `demo`): the App is
 * installed on every account (installation 1), every commit has STANDIN_WORKFLOW_FILE (or
 * a 3-job workflow) as `.solstice/workflow.kdl`, and it can send signed webhooks to the
 * receiver: `POST /_standin/webhooks/<event>` with the payload as body, or `POST
 * /_standin/sample-push` for a push of a new commit. They are signed with the webhook secret
 * of the App last registered through the manifest flow (the receiver's setup page), else
 * GITHUB_WEBHOOK_SECRET. `GET /_standin/check-runs` lists the runs the reporter made,
 * `GET /_standin/writes` every write with its installation and time.
 */
runMain('github-standin', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const addr = readAddr(r, 'STANDIN_ADDR', '127.0.0.1:8091');
  const appId = r.int('GITHUB_APP_ID', 1, { min: 1 });
  const keyPath = r.string('GITHUB_APP_KEY_PATH');
  const keyText = r.string('GITHUB_APP_KEY');
  const receiverUrl = r.url('RECEIVER_URL', 'http://127.0.0.1:8082/webhooks/github', [
    'http:',
    'https:',
  ]);
  const secret = readSecret(r, 'GITHUB_WEBHOOK_SECRET', { file: true })?.value.split(',')[0];
  const workflowFile = r.string('STANDIN_WORKFLOW_FILE');
  const hookId = r.int('GITHUB_APP_HOOK_ID', 1, { min: 1 });
  r.done();
  const log = createLogger({ name: 'github-standin' });
  let key = keyText?.replace(/\\n/g, '\n');
  if (keyPath) key = readFileSync(keyPath, 'utf8');
  if (!key) {
    key = generateAppKey();
    log.warn('no GITHUB_APP_KEY(_PATH): generated a key, so no real App client can authenticate');
  }
  const workflow = workflowFile ? readFileSync(workflowFile, 'utf8') : SAMPLE_WORKFLOW;

  const contents = new ContentStore().putEverywhere('.solstice/workflow.kdl', workflow);
  const checks = new CheckRunStore();
  const sender = new WebhookSender({ appId });
  const manifests = new AppManifests();
  const send = async (event: string, payload: unknown) => {
    const d = await sender.sendWebhook({
      url: receiverUrl,
      secret: manifests.latest()?.webhookSecret ?? secret,
      event,
      payload,
      hookId,
      installationId: 1,
    });
    return { status: 200, body: { guid: d.guid, status_code: d.status_code, status: d.status } };
  };
  const admin: Route[] = [
    {
      method: 'POST',
      pattern: '/_standin/webhooks/:event',
      auth: 'none',
      handle: ({ params, body }) => send(params.event!, body),
    },
    {
      method: 'POST',
      pattern: '/_standin/sample-push',
      auth: 'none',
      handle: () => send('push', samplePush({ installationId: 1 })),
    },
    {
      method: 'GET',
      pattern: '/_standin/check-runs',
      auth: 'none',
      handle: () => ({ status: 200, body: checks.all() }),
    },
    {
      method: 'GET',
      pattern: '/_standin/writes',
      auth: 'none',
      handle: ({ standIn }) => ({ status: 200, body: standIn.writes() }),
    },
  ];
  const standIn = createStandIn({ appId, key, contents, checks, sender, manifests })
    .use(admin)
    .addInstallation({ id: 1, account: '*', repos: [] });
  const { host, port } = parseAddr(addr)!;
  await standIn.start(port, host);
  log.info({ url: standIn.url, appId, receiverUrl }, 'GitHub stand-in listening');
  handleProcessSignals(log, () => standIn.close());
});
