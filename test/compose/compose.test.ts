import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePush } from '../../tools/github-standin/src/sample-push.js';
import {
  ComposeProject,
  httpRequest,
  serviceOf,
  sh,
  until,
  type ContainerState,
} from './compose-project.js';

// `npm run test:compose`: the real compose.yaml on a Docker engine (docker-compose v1 and
// the images it names; here the compose-lab stand-ins). COMPOSE_TEST_IMAGE=<tag> reuses an
// image built before instead of building one.
const IMAGE = process.env.COMPOSE_TEST_IMAGE ?? 'solstice-github:compose-test';
const HEALTHY_MS = 240_000;

beforeAll(async () => {
  if (process.env.COMPOSE_TEST_IMAGE) {
    await sh('docker', ['image', 'inspect', IMAGE]);
    return;
  }
  await sh('docker', ['build', '--network', 'host', '--target', 'runtime', '-t', IMAGE, '.']);
}, 1_800_000);

async function expectNoRestarts(p: ComposeProject): Promise<ContainerState[]> {
  const states = await p.inspect();
  for (const c of states) expect(c.RestartCount, `${c.Name} restarted`).toBe(0);
  return states;
}

/** Every hardened setting, on every container. */
function expectHardened(states: ContainerState[]): void {
  for (const c of states) {
    expect(c.HostConfig.ReadonlyRootfs, `${c.Name} read_only`).toBe(true);
    expect(c.HostConfig.CapDrop, `${c.Name} cap_drop`).toEqual(['ALL']);
    expect(c.HostConfig.SecurityOpt, `${c.Name} security_opt`).toContain('no-new-privileges:true');
    expect(c.HostConfig.Memory, `${c.Name} mem_limit`).toBeGreaterThan(0);
  }
}

describe.sequential('compose.yaml on a Docker engine', () => {
  describe('first run, no .env', () => {
    const p = new ComposeProject(['compose.yaml'], { SOLSTICE_IMAGE: IMAGE });
    afterAll(() => p.down(), 120_000);

    it('every service becomes healthy without a restart, and the receiver offers App registration', async () => {
      await p.compose('up', '-d', '--no-build');
      const states = await p.waitHealthy(HEALTHY_MS);
      expect(states.map(serviceOf).sort()).toEqual([
        'expander',
        'ingress',
        'publisher',
        'rabbitmq',
        'receiver',
        'redis',
        'reporter',
        'secrets',
      ]);
      expectHardened(states);
      // Only the ingress publishes the webhook port: the receiver publishes nothing.
      const receiver = (await p.inspect(await p.ids('receiver')))[0]!;
      expect((await sh('docker', ['port', receiver.Id])).trim()).toBe('');

      const page = await httpRequest(p.url('RECEIVER_HOST_PORT', '/'));
      expect(page.status).toBe(200);
      expect(page.body).toContain('Register the GitHub App');
      // In the setup state a webhook is refused (no secret yet), not taken unsigned.
      const hook = await httpRequest(p.url('RECEIVER_HOST_PORT', '/webhooks/github'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'ping' },
        body: '{}',
      });
      expect(hook.status).toBe(503);

      // The generated passwords are in no container's environment, and the broker has no
      // guest user: each program has its own.
      const redisPassword = await p.read('redis', '/run/solstice/password');
      expect(redisPassword.length).toBeGreaterThanOrEqual(24);
      for (const c of await p.inspect())
        expect(c.Config.Env.join('\n'), c.Name).not.toContain(redisPassword);
      const redis = new Redis(p.ports.REDIS_HOST_PORT!, '127.0.0.1', { lazyConnect: true });
      redis.on('error', () => {}); // its ready check is refused as well; the ping says it
      await expect(redis.ping()).rejects.toThrow(/NOAUTH/);
      redis.disconnect();
      await expect(
        amqp.connect(`amqp://guest:guest@127.0.0.1:${p.ports.RABBITMQ_HOST_PORT}/%2f`),
      ).rejects.toThrow(/ACCESS_REFUSED|403/);
      await expectNoRestarts(p);
    });
  });

  describe('demo profile, the App from compose.secrets.yaml', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'solstice-compose-test-'));
    const secret = randomBytes(20).toString('hex');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    // Bind-mounted as they are: readable by the containers' user (uid 1000).
    const keyFile = join(scratch, 'github-app-key.pem');
    const secretFile = join(scratch, 'github-webhook-secret');
    writeFileSync(keyFile, privateKey);
    writeFileSync(secretFile, secret + '\n');
    chmodSync(keyFile, 0o644);
    chmodSync(secretFile, 0o644);
    const p = new ComposeProject(
      ['compose.yaml', 'compose.secrets.yaml'],
      {
        SOLSTICE_IMAGE: IMAGE,
        GITHUB_APP_ID: '1',
        GITHUB_APP_KEY_FILE: keyFile,
        GITHUB_WEBHOOK_SECRET_FILE: secretFile,
        GITHUB_API_BASE: 'http://github-standin:8091',
        DEMO_JOB_MS: '100',
      },
      ['demo'],
    );
    p.env.LOGS_BASE_URL = p.url('ORCH_HOST_PORT', '');
    let redis: Redis;
    const sent: { delivery: string; sha: string }[] = [];

    beforeAll(async () => {
      await p.compose('up', '-d', '--no-build');
      await p.waitHealthy(HEALTHY_MS);
      const password = await p.read('redis', '/run/solstice/password');
      redis = new Redis(p.ports.REDIS_HOST_PORT!, '127.0.0.1', { password });
      redis.on('error', () => {}); // Redis is stopped on purpose in the last test
    }, HEALTHY_MS + 120_000);
    afterAll(async () => {
      redis?.disconnect();
      await p.down();
      rmSync(scratch, { recursive: true, force: true });
    }, 120_000);

    /** A push signed with the App's webhook secret, through the one published address. */
    async function push(): Promise<string> {
      const sha = randomBytes(20).toString('hex');
      const body = JSON.stringify(samplePush({ installationId: 1, sha }));
      const delivery = randomUUID();
      const res = await httpRequest(p.url('RECEIVER_HOST_PORT', '/webhooks/github'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          'x-github-hook-id': '1',
          'x-hub-signature-256': await sign(secret, body),
        },
        body,
      });
      expect(res.status, res.body).toBe(202);
      sent.push({ delivery, sha });
      return sha;
    }

    async function completedRuns(): Promise<Map<string, number>> {
      const res = await httpRequest(p.url('STANDIN_HOST_PORT', '/_standin/check-runs'));
      const runs = JSON.parse(res.body) as { head_sha: string; status: string }[];
      const done = new Map<string, number>();
      for (const r of runs)
        if (r.status === 'completed') done.set(r.head_sha, (done.get(r.head_sha) ?? 0) + 1);
      return done;
    }

    /** Until every push sent so far has its 3 completed Check Runs. */
    const allCompleted = () =>
      until('3 completed Check Runs per push', 180_000, async () => {
        const done = await completedRuns();
        return sent.every((s) => done.get(s.sha) === 3) ? done : undefined;
      });

    /** Every group of every stream: nothing delivered and unacknowledged, nothing unread. */
    async function pending(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      const keys = await redis.scan('0', 'MATCH', 'solstice:*', 'COUNT', 1000, 'TYPE', 'stream');
      for (const key of keys[1]) {
        const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
        for (const g of groups) {
          const f = Object.fromEntries(
            Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]]),
          ) as { name: string; pending: number; lag: number | null };
          out[`${key}/${f.name}`] = f.pending + (f.lag ?? 0);
        }
      }
      return out;
    }
    const nothingPending = () =>
      until('nothing pending in the streams', 60_000, async () => {
        const p = await pending();
        return Object.keys(p).length >= 3 && Object.values(p).every((n) => n === 0) ? p : undefined;
      });

    const streamLengths = async () => {
      const keys = (
        await redis.scan('0', 'MATCH', 'solstice:*', 'COUNT', 1000, 'TYPE', 'stream')
      )[1];
      return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await redis.xlen(k)])));
    };

    it('a signed push becomes 3 completed Check Runs at the stand-in, nothing pending', async () => {
      const sha = await push();
      const done = await allCompleted();
      expect(done.get(sha)).toBe(3);
      expect(Object.keys(await nothingPending()).sort()).toEqual(
        expect.arrayContaining(['solstice:events/expander', 'solstice:jobs/publisher']),
      );
    });

    it('scaled (3 expanders, 2 publishers, 2 receivers) behind one address: both receivers take pushes, all complete', async () => {
      await p.compose(
        'up',
        '-d',
        '--no-build',
        '--scale',
        'expander=3',
        '--scale',
        'publisher=2',
        '--scale',
        'receiver=2',
      );
      const states = await p.waitHealthy(HEALTHY_MS);
      const receivers = states.filter((c) => serviceOf(c) === 'receiver');
      expect(receivers).toHaveLength(2);
      expect(states.filter((c) => serviceOf(c) === 'expander')).toHaveLength(3);
      const before = sent.length;
      for (let i = 0; i < 8; i++) await push();
      await allCompleted();
      await nothingPending();
      // Each receiver logged some of the new deliveries ("webhook received" with its id).
      const ids = new Set(sent.slice(before).map((s) => s.delivery));
      const taken = await Promise.all(
        receivers.map(async (c) => {
          const log = await sh('docker', ['logs', c.Id]);
          return log
            .split('\n')
            .filter((l) => l.includes('webhook received'))
            .filter((l) => [...ids].some((id) => l.includes(`"delivery":"${id}"`))).length;
        }),
      );
      expect(taken.reduce((a, b) => a + b, 0)).toBe(8);
      for (const n of taken) expect(n).toBeGreaterThan(0);
      await expectNoRestarts(p);
    });

    it('down then up (volumes kept): the streams survive on the AOF volume', async () => {
      const before = await streamLengths();
      expect(before['solstice:events']).toBeGreaterThanOrEqual(sent.length);
      redis.disconnect();
      await p.down(false);
      await p.compose('up', '-d', '--no-build');
      await p.waitHealthy(HEALTHY_MS);
      const password = await p.read('redis', '/run/solstice/password');
      redis = new Redis(p.ports.REDIS_HOST_PORT!, '127.0.0.1', { password });
      redis.on('error', () => {}); // Redis is stopped on purpose in the last test
      expect(await streamLengths()).toEqual(before);
      // And the pipeline works on: a new push completes (at a new stand-in, which forgot the
      // Check Runs of the pushes before).
      sent.length = 0;
      await push();
      await allCompleted();
    });

    it('Redis stopped first, then SIGTERM to every container at once: each exits within its grace period', async () => {
      await p.compose('stop', '-t', '10', 'redis');
      const running = (await p.inspect()).filter((c) => c.State.Running);
      expect(running.length).toBeGreaterThanOrEqual(7);
      // Each with its own grace period (compose's stop_grace_period; Docker's 10 s default).
      const config = await p.compose('config');
      const grace = (service: string) => {
        const block = config.split(/\n {2}(?=\S)/).find((b) => b.startsWith(`${service}:`)) ?? '';
        const m = /stop_grace_period: (\d+)s/.exec(block);
        return m ? Number(m[1]) : 10;
      };
      await Promise.all(
        running.map((c) => sh('docker', ['stop', '-t', String(grace(serviceOf(c))), c.Id])),
      );
      const after = await p.inspect(running.map((c) => c.Id));
      const exits = Object.fromEntries(after.map((c) => [c.Name, c.State.ExitCode]));
      for (const c of after) {
        expect(c.State.Running, c.Name).toBe(false);
        expect(
          c.State.ExitCode,
          `${c.Name} was killed after its grace period: ${JSON.stringify(exits)}`,
        ).not.toBe(137);
      }
    });
  });
});
