import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@solstice/github-standin/harness';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/**
 * The directory of RabbitMQ's own scripts (rabbitmq-server, rabbitmqctl), or undefined when
 * rabbitmq-server is not installed. Debian's /usr/sbin entries are a wrapper that runs them as
 * the `rabbitmq` user with its cookie; the scripts beside the wrapper run as we are.
 */
function scriptsDir(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v rabbitmq-server'], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : '';
  if (path === '') return undefined;
  const dir = dirname(realpathSync(path));
  return existsSync(join(dir, 'rabbitmqctl')) && existsSync(join(dir, 'rabbitmq-server'))
    ? dir
    : undefined;
}

/** Whether `rabbitmq-server` can be run here (CI installs it; a machine with only Docker may not). */
export function hasRabbitmqServer(): boolean {
  return scriptsDir() !== undefined;
}

/** One RabbitMQ node of the test's own cluster. */
export interface RabbitNode {
  /** Its Erlang node name, e.g. solstice-ab12cd-1@localhost. */
  name: string;
  /** Its AMQP port on 127.0.0.1. */
  port: number;
  /** amqp://guest:guest@127.0.0.1:<port>/%2f */
  url: string;
  /** SIGKILL of the Erlang VM: the node dies with whatever it had in flight. */
  kill(): Promise<void>;
  /** A graceful stop (SIGTERM: RabbitMQ closes its connections and leaves the cluster running). */
  stop(): Promise<void>;
  /** Starts it again on its own data: it rejoins the cluster. */
  start(): Promise<void>;
}

export interface RabbitCluster {
  nodes: RabbitNode[];
  /** AMQP_URL naming every node, starting at nodes[first] and going round. */
  amqpUrl(first?: number): string;
  /** The node listening on the port of `url` (an "AMQP connected" log line names it). */
  nodeAt(url: string): RabbitNode | undefined;
  /** `rabbitmqctl -q -n <node> <args>` (or another of RabbitMQ's CLIs: rabbitmq-queues); a `list_*` without headers. */
  ctl(node: RabbitNode, args: string[], cli?: string): Promise<string>;
  /** Kills every node and removes their directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `size` rabbitmq-server processes on free ports, each on its own data, logs and
 * config in one temp directory (management plugin off), and clusters them: every other node
 * joins the first. The broker of this machine (rabbit@…, port 5672) is left alone: the nodes
 * have names, ports and an Erlang cookie of their own (HOME is the temp directory).
 */
export async function startRabbitCluster(o: { size: number }): Promise<RabbitCluster> {
  const bin = scriptsDir();
  if (bin === undefined) throw new Error('rabbitmq-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'solstice-rabbit-cluster-'));
  // Written before any node starts: nodes that each made their own would never cluster.
  writeFileSync(join(dir, '.erlang.cookie'), randomBytes(20).toString('hex').toUpperCase(), {
    mode: 0o400,
  });
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const id = randomBytes(3).toString('hex');
  const env = (name: string, port: number, distPort: number, nodeDir: string) => ({
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    // Not the machine's /etc/rabbitmq files: they name the default node and its port.
    RABBITMQ_CONFIG_FILE: join(nodeDir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(nodeDir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(nodeDir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(nodeDir, 'log'),
    RABBITMQ_PID_FILE: join(nodeDir, 'pid'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    // Distribution on loopback only; one scheduler each: three VMs share a small machine.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1} +S 1:1',
  });
  const ctlEnv = { ...process.env, HOME: dir, ERL_EPMD_ADDRESS: '127.0.0.1' };
  const ctl = async (node: RabbitNode, args: string[], cli = 'rabbitmqctl') => {
    const list = args[0]?.startsWith('list_') ? ['--no-table-headers'] : [];
    const { stdout } = await run(join(bin, cli), ['-q', '-n', node.name, ...args, ...list], {
      env: ctlEnv,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return stdout;
  };
  const logTail = (nodeDir: string) => {
    const logs = join(nodeDir, 'log');
    const file = existsSync(logs)
      ? spawnSync('sh', ['-c', `cat "${logs}"/*.log 2>/dev/null | tail -n 15`], {
          encoding: 'utf8',
        }).stdout
      : '';
    return file || '(no log)';
  };

  /** Each node's VM, killed with SIGKILL (the script around it forwards only TERM and INT). */
  const vms = new Map<string, { proc: ChildProcess; pidFile: string }>();
  const killVm = (name: string) => {
    const vm = vms.get(name);
    if (!vm || vm.proc.exitCode !== null || vm.proc.signalCode !== null) return;
    try {
      process.kill(Number(readFileSync(vm.pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // no pid file yet (still starting), or already gone
    }
    vm.proc.kill('SIGKILL');
  };

  const makeNode = async (i: number): Promise<RabbitNode> => {
    const name = `solstice-${id}-${i}@localhost`;
    const [port, distPort] = [await freePort(), await freePort()];
    const nodeDir = join(dir, `node-${i}`);
    const pidFile = join(nodeDir, 'pid');
    mkdirSync(nodeDir);
    writeFileSync(join(nodeDir, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${port}\n`);
    let exited: Promise<void> = Promise.resolve();
    const node: RabbitNode = {
      name,
      port,
      url: `amqp://guest:guest@127.0.0.1:${port}/%2f`,
      async start() {
        const proc = spawn(join(bin, 'rabbitmq-server'), [], {
          env: env(name, port, distPort, nodeDir),
          cwd: nodeDir,
          stdio: 'ignore',
        });
        vms.set(name, { proc, pidFile });
        exited = new Promise((resolve) => proc.once('exit', () => resolve()));
        // await_startup needs the node registered with epmd: until then it fails at once.
        await waitFor(
          async () => {
            if (proc.exitCode !== null || proc.signalCode !== null)
              throw new Error(`${name} exited; its log:\n${logTail(nodeDir)}`);
            await ctl(node, ['await_startup', '--timeout', '60']);
            return true;
          },
          `RabbitMQ node ${name} started`,
          120_000,
          1000,
        ).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}\n${logTail(nodeDir)}`);
        });
      },
      async kill() {
        killVm(name);
        await exited;
      },
      async stop() {
        vms.get(name)?.proc.kill('SIGTERM');
        await exited;
      },
    };
    return node;
  };

  const killAll = () => {
    for (const name of vms.keys()) killVm(name);
  };
  // A test run that dies on its way out leaves no broker behind either.
  process.once('exit', killAll);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killAll);
    const exits = [...vms.values()]
      .filter(({ proc }) => proc.exitCode === null && proc.signalCode === null)
      .map(({ proc }) => new Promise((resolve) => proc.once('exit', resolve)));
    killAll();
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const nodes: RabbitNode[] = [];
    for (let i = 1; i <= o.size; i++) nodes.push(await makeNode(i));
    await Promise.all(nodes.map((n) => n.start()));
    for (const n of nodes.slice(1)) {
      await ctl(n, ['stop_app']);
      await ctl(n, ['join_cluster', nodes[0]!.name]);
      await ctl(n, ['start_app']);
    }
    const running = await ctl(nodes[0]!, ['eval', 'length(rabbit_nodes:all_running()).']);
    if (Number(running.trim()) !== o.size)
      throw new Error(`the cluster has ${running.trim()} running nodes, not ${o.size}`);
    return {
      nodes,
      amqpUrl: (first = 0) => nodes.map((_, i) => nodes[(first + i) % nodes.length]!.url).join(','),
      nodeAt: (url) => nodes.find((n) => new URL(url).port === String(n.port)),
      ctl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
