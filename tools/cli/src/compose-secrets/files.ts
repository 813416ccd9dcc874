import { createHash, randomBytes } from 'node:crypto';

/** The RabbitMQ names the stages use (their AMQP_* settings). */
export interface AmqpNames {
  exchange: string;
  queue: string;
  dlx: string;
  dlq: string;
  resultsQueue: string;
}

/** Every generated password, by user; kept in the `admin` directory and reused on every run. */
export interface Passwords {
  redis: string;
  rabbitmq: Record<RabbitUser, string>;
}

export const RABBIT_USERS = ['publisher', 'reporter', 'demo', 'admin'] as const;
export type RabbitUser = (typeof RABBIT_USERS)[number];

/** configure, write and read: regular expressions over exchange and queue names. */
export interface Permission {
  configure: string;
  write: string;
  read: string;
}

export const newPassword = (): string => randomBytes(24).toString('base64url');

export function newPasswords(): Passwords {
  const rabbitmq = Object.fromEntries(RABBIT_USERS.map((u) => [u, newPassword()]));
  return { redis: newPassword(), rabbitmq: rabbitmq as Record<RabbitUser, string> };
}

const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Exactly these names, nothing else. */
export const only = (...names: string[]): string =>
  names.length === 0 ? '^$' : `^(${[...new Set(names)].map(escape).join('|')})$`;

/**
 * What each RabbitMQ user may do, and no more (RabbitMQ's rules: declaring needs configure;
 * binding needs write on the queue and read on the exchange; declaring a queue with a
 * dead-letter exchange needs read on the queue and write on that exchange; publishing needs
 * write on the exchange; consuming needs read on the queue).
 * - publisher: declares the jobs topology and publishes to the jobs exchange.
 * - reporter: declares its results queue (and its DLQ) and consumes it.
 * - demo (the demo orchestrator): consumes the jobs queue and publishes results.
 * - admin: everything (the management UI, `npm start` against compose's servers).
 */
export function permissions(n: AmqpNames): Record<RabbitUser, Permission> {
  const resultsDlq = `${n.resultsQueue}.dlq`;
  return {
    publisher: {
      configure: only(n.dlx, n.dlq, n.exchange, n.queue),
      write: only(n.dlq, n.queue, n.exchange, n.dlx),
      read: only(n.dlx, n.exchange, n.queue),
    },
    reporter: {
      configure: only(n.dlx, resultsDlq, n.exchange, n.resultsQueue),
      write: only(resultsDlq, n.resultsQueue, n.dlx),
      read: only(n.dlx, n.exchange, n.resultsQueue),
    },
    demo: { configure: only(), write: only(n.exchange), read: only(n.queue) },
    admin: { configure: '.*', write: '.*', read: '.*' },
  };
}

/** RabbitMQ's rabbit_password_hashing_sha256: base64(salt ‖ SHA-256(salt ‖ password)). */
export function rabbitPasswordHash(password: string, salt = randomBytes(4)): string {
  const digest = createHash('sha256').update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** The definitions RabbitMQ loads at boot (`load_definitions`): the vhost, users, permissions. */
export function rabbitDefinitions(p: Passwords, n: AmqpNames, vhost = '/'): unknown {
  const perms = permissions(n);
  return {
    vhosts: [{ name: vhost }],
    users: RABBIT_USERS.map((name) => ({
      name,
      password_hash: rabbitPasswordHash(p.rabbitmq[name]),
      hashing_algorithm: 'rabbit_password_hashing_sha256',
      tags: name === 'admin' ? 'administrator' : '',
    })),
    permissions: RABBIT_USERS.map((user) => ({ user, vhost, ...perms[user] })),
  };
}

export interface Endpoints {
  redis: string; // host:port
  rabbitmq: string; // host:port
}

const redisUrl = (p: Passwords, at: string) => `redis://:${encodeURIComponent(p.redis)}@${at}`;
const amqpUrl = (p: Passwords, user: RabbitUser, at: string) =>
  `amqp://${user}:${encodeURIComponent(p.rabbitmq[user])}@${at}/%2f`;

/**
 * Every file, by directory (one volume each, mounted only where it is read) and name.
 * `host`: where compose publishes the servers, for `npm start` on the host (admin.env).
 */
export function secretFiles(
  p: Passwords,
  n: AmqpNames,
  inside: Endpoints,
  host: Endpoints,
): Record<string, Record<string, string>> {
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  const redis = redisUrl(p, inside.redis);
  return {
    redis: { 'redis.conf': `requirepass ${p.redis}\n`, password: p.redis + '\n' },
    rabbitmq: {
      'definitions.json': json(rabbitDefinitions(p, n)),
      // Logs to the console only (the root file system is read-only); the memory alarm below
      // compose's 1 GB limit (RabbitMQ may not see the container's).
      'rabbitmq.conf':
        'load_definitions = /run/solstice/definitions.json\n' +
        'log.console = true\nlog.file = false\n' +
        'vm_memory_high_watermark.absolute = 400MiB\n',
    },
    receiver: { 'redis-url': redis + '\n' },
    expander: { 'redis-url': redis + '\n' },
    publisher: {
      'redis-url': redis + '\n',
      'amqp-url': amqpUrl(p, 'publisher', inside.rabbitmq) + '\n',
    },
    reporter: {
      'redis-url': redis + '\n',
      'amqp-url': amqpUrl(p, 'reporter', inside.rabbitmq) + '\n',
    },
    demo: { 'amqp-url': amqpUrl(p, 'demo', inside.rabbitmq) + '\n' },
    admin: {
      'passwords.json': json(p),
      'admin.env':
        `REDIS_URL=${redisUrl(p, host.redis)}\n` +
        `AMQP_URL=${amqpUrl(p, 'admin', host.rabbitmq)}\n` +
        `RABBITMQ_MANAGEMENT_USER=admin\nRABBITMQ_MANAGEMENT_PASSWORD=${p.rabbitmq.admin}\n`,
    },
  };
}
