import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '@solstice/github-standin/harness';
import { waitFor } from './wait.js';

/** Whether `redis-server` can be run here (CI installs it; a machine with only Docker may not). */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** One redis-server process of the test's own (a primary, a replica or a sentinel). */
export interface RedisNode {
  port: number;
  url: string;
  /** SIGKILL: the server dies with whatever it had not replicated. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that hangs without dying. */
  pause(): void;
  resume(): void;
}

/** A primary, its replicas and sentinels, as local processes on free ports. */
export interface RedisGroup {
  primary: RedisNode;
  replicas: RedisNode[];
  sentinels: RedisNode[];
  /** The master name the sentinels monitor. */
  name: string;
  /** REDIS_URL through the sentinels (redis+sentinel://…/<name>). */
  sentinelUrl: string;
  /** Asks a sentinel which port is the primary now. */
  primaryPort(): Promise<number>;
  /** Kills every process and removes their directory. */
  stop(): Promise<void>;
}

/**
 * Starts a primary with `replicas` replicas and `sentinels` sentinels (quorum 2 when there are
 * 3). Nothing is saved to disk: the failover, not a restart, is what the tests exercise.
 */
export async function startRedisGroup(o: {
  replicas: number;
  sentinels: number;
  downAfterMs?: number;
  /** The port replicas replicate from, given the primary's (a proxy a test can cut). */
  replicaLink?: (primaryPort: number) => Promise<number>;
}): Promise<RedisGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'solstice-redis-group-'));
  const procs: ChildProcess[] = [];
  const name = 'solstice-test';
  const start = async (args: (dir: string) => string[], label: string): Promise<RedisNode> => {
    const port = await freePort();
    const nodeDir = join(dir, `${label}-${port}`);
    mkdirSync(nodeDir);
    const proc = spawn('redis-server', [...args(nodeDir), '--port', String(port)], {
      cwd: nodeDir,
      stdio: 'ignore',
    });
    procs.push(proc);
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const node: RedisNode = {
      port,
      url: `redis://127.0.0.1:${port}`,
      async kill() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await exited;
      },
      pause: () => proc.kill('SIGSTOP'),
      resume: () => proc.kill('SIGCONT'),
    };
    await waitFor(() => pingOnce(port), `${label} on port ${port} answering`, 15_000);
    return node;
  };
  const common = (d: string) => [
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    d,
  ];
  const stop = async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primary = await start(common, 'primary');
    const replicas: RedisNode[] = [];
    const linkPort = o.replicaLink ? await o.replicaLink(primary.port) : primary.port;
    for (let i = 0; i < o.replicas; i++) {
      replicas.push(
        await start((d) => [...common(d), '--replicaof', '127.0.0.1', String(linkPort)], 'replica'),
      );
    }
    const sentinels: RedisNode[] = [];
    for (let i = 0; i < o.sentinels; i++) {
      const conf = join(dir, `sentinel-${i}.conf`);
      writeFileSync(
        conf,
        [
          'bind 127.0.0.1',
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} ${Math.min(2, o.sentinels)}`,
          `sentinel down-after-milliseconds ${name} ${o.downAfterMs ?? 2000}`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(await start((d) => [conf, '--sentinel', '--dir', d], 'sentinel'));
    }
    const group: RedisGroup = {
      primary,
      replicas,
      sentinels,
      name,
      sentinelUrl: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${name}`,
      async primaryPort() {
        for (const s of sentinels) {
          const port = await askSentinel(s.port, name).catch(() => undefined);
          if (port !== undefined) return port;
        }
        throw new Error('no sentinel answers');
      },
      stop,
    };
    if (replicas.length > 0) {
      await waitFor(
        async () => {
          const info = await replicationOf(primary.port);
          const online = Object.keys(info).filter(
            (k) => /^slave\d+$/.test(k) && info[k]!.includes('state=online'),
          );
          return online.length === replicas.length;
        },
        'replicas in sync',
        20_000,
      );
    }
    return group;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function withClient<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

async function pingOnce(port: number): Promise<boolean> {
  return withClient(port, async (r) => (await r.ping()) === 'PONG').catch(() => false);
}

/** INFO replication of a server, as fields. */
export async function replicationOf(port: number): Promise<Record<string, string>> {
  const text = await withClient(port, (r) => r.info('replication'));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
}

async function askSentinel(port: number, name: string): Promise<number> {
  const reply = await withClient(
    port,
    (r) => r.call('SENTINEL', 'get-master-addr-by-name', name) as Promise<string[] | null>,
  );
  if (!reply) throw new Error('unknown master');
  return Number(reply[1]);
}
