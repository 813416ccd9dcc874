import { randomUUID } from 'node:crypto';
import {
  connectStage,
  createRedis,
  envelopeFromFields,
  fieldsToObject,
  keysFor,
  type JobEnvelope,
  type Redis,
} from '@solstice/shared';
import {
  ContentStore,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '@solstice/github-standin';
import { readExpanderConfig } from '../../src/config.js';
import { startExpander, type Expander } from '../../src/start-expander.js';
import { WORKFLOW_PATH } from '../../src/to-job-requests.js';
import { newSha } from '../../../../test/support/fixtures.js';
import { removeKeys } from '../../../../test/support/keys.js';
import { captureLogger } from '../../../../test/support/log.js';
import { redisUrl, uniqueName } from '../../../../test/support/servers.js';
import { example, type Payload } from '../../../../test/support/payloads.js';

export const APP_ID = 42;
export const OWNER = 'octo-org';
export const INSTALLATION = 7;

export { newSha };

/** The GitHub stand-in with the App's routes and the Contents API over `files`. */
export async function startGitHub() {
  const key = generateAppKey();
  const files = new ContentStore();
  const standIn = await createStandIn({ appId: APP_ID, key, contents: files }).start();
  standIn.addInstallation({ id: INSTALLATION, account: OWNER, repos: [] });
  const putWorkflow = (repo: string, sha: string, text: string) =>
    files.put(OWNER, repo, sha, WORKFLOW_PATH, text);
  return { standIn, files, key, putWorkflow };
}

function inRepo(p: Payload, repo: string): Payload {
  Object.assign(p.repository, {
    name: repo,
    full_name: `${OWNER}/${repo}`,
    clone_url: `https://github.com/${OWNER}/${repo}.git`,
    ssh_url: `git@github.com:${OWNER}/${repo}.git`,
  });
  Object.assign(p.repository.owner, { login: OWNER, name: OWNER });
  p.installation = { id: INSTALLATION, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNw==' };
  return p;
}

/** GitHub's push example, moved to octo-org/<repo> at `sha`. */
export function pushPayload(repo: string, sha: string): Payload {
  const p = inRepo(
    example('push', (e) => e.deleted === false && e.installation !== undefined),
    repo,
  );
  p.after = sha;
  p.head_commit.id = sha;
  return p;
}

/** GitHub's pull_request `opened` example, head and base in octo-org/<repo>, head at `sha`. */
export function pullRequestPayload(repo: string, sha: string): Payload {
  const p = inRepo(
    example('pull_request', (e) => e.action === 'opened' && e.installation !== undefined),
    repo,
  );
  p.pull_request.head.sha = sha;
  p.pull_request.head.repo = structuredClone(p.repository);
  p.pull_request.base.repo = structuredClone(p.repository);
  return p;
}

/** GitHub's check_run `rerequested` example for the check run `name` at `sha` of octo-org/<repo>. */
export function checkRunPayload(repo: string, sha: string, name: string): Payload {
  const p = inRepo(
    example('check_run', (e) => e.action === 'rerequested'),
    repo,
  );
  p.check_run.name = name;
  p.check_run.head_sha = sha;
  return p;
}

/** The fields the receiver stores for one delivery. */
export function eventFields(event: string, body: Payload | string, delivery = randomUUID()) {
  return {
    delivery,
    hook_id: '1001',
    event,
    content_type: 'application/json',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    installation_target_type: 'integration',
    installation_target_id: String(APP_ID),
    received_at: new Date().toISOString(),
  };
}

export interface Harness {
  prefix: string;
  keys: ReturnType<typeof keysFor>;
  redis: Redis;
  expander: Expander | undefined;
  logs: ReturnType<typeof captureLogger>;
  start(env?: Record<string, string>): Promise<Expander>;
  addEvent(fields: Record<string, string>): Promise<string>;
  jobs(): Promise<JobEnvelope[]>;
  dead(): Promise<Record<string, string>[]>;
  close(): Promise<void>;
}

/** A stream prefix of its own, an expander on it (started on demand) and readers of its output. */
export function harness(github: { standIn: GitHubStandIn; key: string }): Harness {
  const prefix = uniqueName('expander');
  const keys = keysFor(prefix);
  const redis = createRedis(redisUrl(), { role: 'worker' });
  const h: Harness = {
    prefix,
    keys,
    redis,
    expander: undefined,
    logs: captureLogger('expander'),
    async start(env = {}) {
      const config = readExpanderConfig({
        env: {
          REDIS_URL: redisUrl(),
          STREAM_PREFIX: prefix,
          METRICS_ADDR: '127.0.0.1:0',
          STAGE_BLOCK_MS: '50',
          RETRY_MIN_IDLE_MS: '200',
          CLAIM_INTERVAL_MS: '100',
          GITHUB_API_BASE: github.standIn.url,
          GITHUB_APP_ID: String(APP_ID),
          GITHUB_APP_KEY: github.key,
          GITHUB_RETRY_BASE_MS: '5',
          GITHUB_WRITE_MIN_MS: '0',
          ...env,
        },
      });
      h.expander = await startExpander(
        config,
        connectStage(config.stage, 'expander', h.logs.log),
        h.logs.log,
      );
      return h.expander;
    },
    addEvent: async (fields) =>
      (await redis.xadd(keys.events, '*', ...Object.entries(fields).flat()))!,
    async jobs() {
      const entries = await redis.xrange(keys.jobs, '-', '+');
      return entries.map(([, flat]) => envelopeFromFields(fieldsToObject(flat)));
    },
    async dead() {
      const entries = await redis.xrange(keys.dead(keys.events), '-', '+');
      return entries.map(([, flat]) => fieldsToObject(flat));
    },
    async close() {
      await h.expander?.close();
      await removeKeys(prefix, redis);
      await redis.quit();
    },
  };
  return h;
}
