import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `rabbitmqctl -q <command> <args>`, without blocking this process: a GitHub stand-in may
 * live here, and an event loop frozen for the second rabbitmqctl takes to start would stall
 * every GitHub call. A `list_*` command's rows come without the header line.
 */
export async function rabbitmqctl(command: string, ...args: string[]): Promise<string> {
  const list = command.startsWith('list_') ? ['--no-table-headers'] : [];
  const { stdout } = await run('rabbitmqctl', ['-q', command, ...args, ...list], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return stdout;
}

let reachable: boolean | undefined;

/**
 * Whether rabbitmqctl can talk to the broker (installed here, the broker on this machine):
 * the tests that close connections from the broker's side need it. Asked once per run.
 */
export function hasRabbitmqctl(): boolean {
  if (reachable === undefined) {
    try {
      execFileSync('rabbitmqctl', ['-q', 'status'], { stdio: 'ignore', timeout: 20_000 });
      reachable = true;
    } catch {
      reachable = false;
    }
  }
  return reachable;
}

const rows = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split('\t'));

/** The broker's pid of the connection with this connection_name (unique to one test). */
export async function connectionNamed(name: string): Promise<string | undefined> {
  const text = await rabbitmqctl('list_connections', 'pid', 'client_properties');
  return rows(text).find(([, props]) => props?.includes(`{"connection_name","${name}"}`))?.[0];
}

/** The broker's pid of the connection consuming `queue`, if any (only one: the queue is unique). */
export async function consumerConnection(queue: string): Promise<string | undefined> {
  const channel = rows(await rabbitmqctl('list_consumers', 'queue_name', 'channel_pid')).find(
    ([q]) => q === queue,
  )?.[1];
  if (!channel) return undefined;
  return rows(await rabbitmqctl('list_channels', 'pid', 'connection')).find(
    ([pid]) => pid === channel,
  )?.[1];
}

/** A vhost of its own, so closing "all connections" touches only this test's; returns its URL. */
export async function withVhost(amqpUrl: string, vhost: string): Promise<string> {
  await rabbitmqctl('add_vhost', vhost);
  const u = new URL(amqpUrl);
  const user = decodeURIComponent(u.username || 'guest');
  await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
  u.pathname = `/${encodeURIComponent(vhost)}`;
  return u.toString();
}
