import { connect } from 'node:net';
import { amqpUrlsOf, parseRedisTarget } from '@solstice/shared';

/**
 * The hosts and ports a REDIS_URL or AMQP_URL names: its server, its sentinels
 * (redis+sentinel://) or its nodes (amqp URLs separated by commas); undefined for a bad one.
 */
export function endpointsOf(url: string): { host: string; port: number }[] | undefined {
  if (/^rediss?\+sentinel:/i.test(url)) {
    try {
      const target = parseRedisTarget(url);
      return target.kind === 'sentinel' ? target.sentinels : undefined;
    } catch {
      return undefined;
    }
  }
  const all = amqpUrlsOf(url).map(endpointOf);
  return all.length > 0 && all.every((e) => e !== undefined) ? all : undefined;
}

/** host and port of a redis:// or amqp:// URL, with the scheme's default port. */
export function endpointOf(url: string): { host: string; port: number } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const defaults: Record<string, number> = {
    'redis:': 6379,
    'rediss:': 6379,
    'amqp:': 5672,
    'amqps:': 5671,
  };
  const fallback = defaults[u.protocol];
  if (fallback === undefined || u.hostname === '') return undefined;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : fallback };
}

/** Opens (and closes) a TCP connection; undefined when it worked, else why it did not. */
export function tcpProblem(
  host: string,
  port: number,
  timeoutMs = 2000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
