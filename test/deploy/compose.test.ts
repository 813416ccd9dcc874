import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(join(root, file), 'utf8');

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasCompose)
  console.warn('skipping the `docker-compose config` checks: docker-compose is not installed');

// A fresh clone: no .env, and none of this shell's variables leaking into the interpolation.
const scratch = mkdtempSync(join(tmpdir(), 'solstice-compose-'));
const emptyEnv = join(scratch, 'empty.env');
writeFileSync(emptyEnv, '');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function composeConfig(envFile: string, ...extra: string[]): string {
  return composeConfigWith({}, envFile, ['compose.yaml'], ...extra);
}

/** `docker-compose config` of these files, with these variables in the calling environment. */
function composeConfigWith(
  env: Record<string, string>,
  envFile: string,
  files: string[],
  ...extra: string[]
): string {
  return execFileSync(
    'docker-compose',
    ['--env-file', envFile, ...files.flatMap((f) => ['-f', join(root, f)]), ...extra, 'config'],
    { cwd: root, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' },
  );
}

interface Service {
  image?: string;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  mem_limit?: string | number;
  secrets?: unknown[];
  build?: { target?: string };
  command?: string[];
  container_name?: string;
  environment?: Record<string, string>;
  ports?: unknown[];
  volumes?: unknown[];
  profiles?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
type Config = {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
};

/** Settings that are secrets: none may be in any service's environment (docker inspect shows it). */
const SECRET_VARIABLES = [
  'REDIS_URL',
  'AMQP_URL',
  'GITHUB_APP_KEY',
  'GITHUB_WEBHOOK_SECRET',
  'WEBHOOK_SECRET',
  'RABBITMQ_DEFAULT_PASS',
  'RABBITMQ_PASSWORD',
];

/** Every container: read-only, no capabilities, no-new-privileges, a memory limit. */
function checkHardened(services: Record<string, Service>): void {
  for (const [name, s] of Object.entries(services)) {
    expect(s.read_only, `${name} read_only`).toBe(true);
    expect(s.cap_drop, `${name} cap_drop`).toEqual(['ALL']);
    expect(s.security_opt, `${name} security_opt`).toContain('no-new-privileges:true');
    expect(s.mem_limit, `${name} mem_limit`).toBeDefined();
    for (const v of SECRET_VARIABLES)
      expect(s.environment?.[v], `${name} has ${v} in its environment`).toBeUndefined();
    if (s.environment?.NODE_ENV !== undefined)
      expect(s.environment.NODE_ENV, `${name} NODE_ENV`).toBe('production');
  }
}

const STAGES = {
  receiver: { addr: 'HTTP_ADDR', port: '8082', servers: ['redis'] },
  expander: { addr: 'METRICS_ADDR', port: '9101', servers: ['redis'] },
  publisher: { addr: 'METRICS_ADDR', port: '9102', servers: ['redis', 'rabbitmq'] },
  reporter: { addr: 'METRICS_ADDR', port: '9103', servers: ['redis', 'rabbitmq'] },
} as const;

/** The checks hold for the file as written and for what `docker-compose config` makes of it. */
function checkProperties(config: Config): void {
  const { services } = config;
  for (const [name, s] of Object.entries(services))
    expect(s.container_name, `${name} has a container_name`).toBeUndefined();

  const redis = services.redis!;
  expect(redis.image).toMatch(/^redis:7/);
  expect(redis.command?.join(' ')).toContain('--appendonly yes');
  expect(redis.command?.join(' ')).toContain('--appendfsync everysec');
  expect(redis.command?.join(' ')).toContain('--maxmemory-policy noeviction');
  expect(JSON.stringify(redis.volumes)).toContain('/data');
  expect(redis.healthcheck?.test.join(' ')).toContain('redis-cli ping');

  const rabbit = services.rabbitmq!;
  expect(rabbit.image).toBe('rabbitmq:3.13-management');
  expect(JSON.stringify(rabbit.volumes)).toContain('/var/lib/rabbitmq');
  expect(rabbit.healthcheck?.test).toEqual(['CMD', 'rabbitmq-diagnostics', '-q', 'ping']);
  expect(Object.keys(config.volumes).length).toBeGreaterThanOrEqual(2);

  for (const [name, want] of Object.entries(STAGES)) {
    const s = services[name]!;
    expect(s.build?.target, name).toBe('runtime');
    expect(s.command).toEqual(['node', `services/${name}/dist/main.js`]);
    // The healthcheck asks the port the stage listens on, with node (no curl in node:22-slim).
    expect(s.environment?.[want.addr]).toBe(`0.0.0.0:${want.port}`);
    expect(s.healthcheck?.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(s.healthcheck?.test[3]).toContain(`fetch('http://127.0.0.1:${want.port}/healthz')`);
    for (const server of want.servers)
      expect(s.depends_on?.[server]?.condition, `${name} → ${server}`).toBe('service_healthy');
    // Each copy of a scaled stage needs its own consumer name (the default: host name + pid).
    expect(s.environment?.CONSUMER_NAME ?? '').toBe('');
    // No stage publishes a port (the receiver neither: the ingress is its one address).
    expect(s.ports, `${name} publishes a port`).toBeUndefined();
    // The URLs (with passwords) come from files the `secrets` service writes.
    expect(s.environment?.REDIS_URL_FILE, name).toBe('/run/solstice/redis-url');
    expect(JSON.stringify(s.volumes), name).toContain(`secrets-${name}:/run/solstice:ro`);
    expect(s.depends_on?.redis?.condition, `${name} → redis`).toBe('service_healthy');
  }
  for (const name of ['publisher', 'reporter', 'demo-orchestrator'])
    expect(services[name]!.environment?.AMQP_URL_FILE, name).toBe('/run/solstice/amqp-url');
  for (const name of ['receiver', 'expander'])
    expect(services[name]!.environment?.AMQP_URL_FILE, name).toBeUndefined();
  // The ingress alone publishes the webhook port, balancing over the receiver's copies.
  const ingress = services.ingress!;
  expect(ingress.command).toEqual(['node', 'tools/cli/dist/ingress/main.js']);
  expect(JSON.stringify(ingress.ports)).toContain('8082');
  expect(ingress.environment?.INGRESS_UPSTREAM).toBe('receiver:8082');
  expect(ingress.depends_on?.receiver?.condition).toBe('service_healthy');
  // /metrics stays on the receiver's own METRICS_ADDR, published nowhere.
  expect(services.receiver!.environment?.METRICS_ADDR).toBe('0.0.0.0:9100');
  const published = Object.entries(services).filter(([, s]) => s.ports !== undefined);
  expect(JSON.stringify(published)).not.toMatch(/9100|9101|9102|9103/);

  // Passwords: generated once by the one-shot `secrets` service, into one volume per reader.
  const secrets = services.secrets!;
  expect(secrets.command).toEqual(['node', 'tools/cli/dist/compose-secrets/main.js']);
  for (const name of ['redis', 'rabbitmq'])
    expect(services[name]!.depends_on?.secrets?.condition, name).toBe(
      'service_completed_successfully',
    );
  expect(redis.command).toContain('/run/solstice/redis.conf');
  expect(rabbit.environment?.RABBITMQ_CONFIG_FILE).toBe('/run/solstice/rabbitmq.conf');
  checkHardened(services);
  // The App registration writes the credentials volume; the stages that need the App read it.
  // (`docker-compose config` spells the receiver's mount `…:rw`.)
  expect(JSON.stringify(services.receiver!.volumes)).toMatch(/"credentials:\/credentials(:rw)?"/);
  for (const name of ['expander', 'reporter'])
    expect(services[name]!.volumes, name).toContain('credentials:/credentials:ro');
  for (const name of ['receiver', 'expander', 'reporter'])
    expect(services[name]!.environment?.CREDENTIALS_DIR, name).toBe('/credentials');

  expect(services['github-standin']?.profiles).toEqual(['demo']);
  expect(services['github-standin']?.command).toEqual([
    'node',
    'tools/github-standin/dist/main.js',
  ]);
  expect(services['demo-orchestrator']?.profiles).toEqual(['demo']);
  expect(services['demo-orchestrator']?.command).toEqual([
    'node',
    'tools/github-standin/dist/demo-orchestrator.js',
  ]);
}

describe('compose.yaml', () => {
  it('declares the servers, the four scalable stages and the demo profile as specified', () => {
    checkProperties(parse(read('compose.yaml'), { merge: true }) as Config);
  });

  it.skipIf(!hasCompose)('passes `docker-compose config` on a fresh clone (no .env)', () => {
    const config = parse(composeConfig(emptyEnv)) as Config;
    checkProperties(config);
    // Unset settings stay empty: the programs apply their own defaults.
    expect(config.services.expander!.environment).toMatchObject({
      REDIS_URL_FILE: '/run/solstice/redis-url',
      STREAM_PREFIX: 'solstice',
      RUNS_ON_MAP: '',
    });
    expect(config.services.publisher!.environment!.AMQP_URL_FILE).toBe('/run/solstice/amqp-url');
  });

  it.skipIf(!hasCompose)(
    "keeps NODE_ENV production whatever the caller's NODE_ENV (a test runner sets test)",
    () => {
      const config = parse(
        composeConfigWith({ NODE_ENV: 'test' }, emptyEnv, ['compose.yaml'], '--profile', 'demo'),
      ) as Config;
      for (const [name, s] of Object.entries(config.services))
        if (s.image?.startsWith('solstice'))
          expect(s.environment?.NODE_ENV, name).toBe('production');
    },
  );

  it.skipIf(!hasCompose)(
    'compose.secrets.yaml gives the App key and webhook secret as compose secrets (files), never variables',
    () => {
      const config = parse(
        composeConfigWith({ GITHUB_APP_ID: '42' }, emptyEnv, [
          'compose.yaml',
          'compose.secrets.yaml',
        ]),
      ) as Config;
      expect(config.secrets?.github_app_key?.file).toMatch(/secrets\/github-app-key\.pem$/);
      const { receiver, expander, reporter } = config.services;
      expect(receiver!.secrets).toHaveLength(2);
      expect(receiver!.environment).toMatchObject({
        GITHUB_APP_ID: '42',
        GITHUB_APP_KEY_PATH: '/run/secrets/github_app_key',
        GITHUB_WEBHOOK_SECRET_FILE: '/run/secrets/github_webhook_secret',
      });
      for (const s of [expander!, reporter!])
        expect(s.environment?.GITHUB_APP_KEY_PATH).toBe('/run/secrets/github_app_key');
      checkHardened(config.services);
    },
  );

  it.skipIf(!hasCompose)('passes with .env.example as the .env, and with the demo profile', () => {
    parse(composeConfig(join(root, '.env.example')));
    const services = composeConfig(emptyEnv, '--profile', 'demo').includes('github-standin:');
    expect(services).toBe(true);
  });

  it.skipIf(!hasCompose)('takes settings from .env', () => {
    const env = join(scratch, 'custom.env');
    writeFileSync(env, 'STREAM_PREFIX=ci\nLOGS_BASE_URL=http://l\nRECEIVER_HOST_PORT=9999\n');
    const config = parse(composeConfig(env)) as Config;
    expect(config.services.reporter!.environment).toMatchObject({
      STREAM_PREFIX: 'ci',
      LOGS_BASE_URL: 'http://l',
    });
    expect(JSON.stringify(config.services.ingress!.ports)).toContain('9999');
  });
});

describe('.env.example', () => {
  const example = read('.env.example');
  const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));

  it("documents every variable of DESIGN.md's configuration table and the stage settings", () => {
    const variables = [
      // DESIGN.md "Configuration"
      'REDIS_URL',
      'STREAM_PREFIX',
      'HTTP_ADDR',
      'WEBHOOK_PATH',
      'GITHUB_WEBHOOK_SECRET',
      'WEBHOOK_SECRET',
      'GITHUB_API_BASE',
      'GITHUB_APP_ID',
      'GITHUB_APP_KEY_PATH',
      'GITHUB_APP_KEY',
      'GITHUB_CHECK_NAME',
      'LOGS_BASE_URL',
      'ORCH_HTTP_BASE',
      'S3_ENDPOINT',
      'S3_BUCKET',
      'RUNS_ON_DEFAULT',
      'RUNS_ON_MAP',
      'AMQP_URL',
      'AMQP_EXCHANGE',
      'AMQP_ROUTING_KEY',
      'AMQP_QUEUE',
      'AMQP_DLX',
      'AMQP_DLQ',
      'AMQP_QUEUE_TYPE',
      'AMQP_RESULTS_ROUTING_KEY',
      'AMQP_RESULTS_QUEUE',
      // the stages' own settings
      'METRICS_ADDR',
      'LOG_LEVEL',
      'CLAIM_MIN_IDLE_MS',
      'CLAIM_INTERVAL_MS',
      'MAX_DELIVERIES',
      'STAGE_BATCH_SIZE',
      'STAGE_BLOCK_MS',
      'STREAM_MAXLEN',
      'STREAM_MAX_AGE_MS',
      'CONSUMER_NAME',
      'GITHUB_RETRY_BASE_MS',
      'GITHUB_WRITE_MIN_MS',
      'ALLOWED_REPOS',
      'ALLOWED_OWNERS',
      'BODY_LIMIT',
      'DEDUPE_TTL_SECONDS',
      'CHECK_SUITE_REQUESTED',
      'CONFIRM_TIMEOUT_MS',
      'RESULTS_PREFETCH',
      'CHECK_RECORD_TTL_DAYS',
      'WORKFLOW_MAX_BYTES',
      'WORKFLOW_MAX_JOBS',
      // the first run: the App registration
      'CREDENTIALS_DIR',
      'WEBHOOK_URL',
      'GITHUB_WEB_URL',
      // secrets as files
      'REDIS_URL_FILE',
      'AMQP_URL_FILE',
      'GITHUB_WEBHOOK_SECRET_FILE',
    ];
    expect(variables.filter((v) => !documented.has(v))).toEqual([]);
  });

  it('documents every variable compose.yaml reads', () => {
    const used = new Set(
      [
        ...(read('compose.yaml') + read('compose.secrets.yaml'))
          .replace(/^\s*#.*$/gm, '')
          .matchAll(/\$\{([A-Z0-9_]+)/g),
      ].map((m) => m[1]),
    );
    expect([...used].filter((v) => !documented.has(v))).toEqual([]);
  });

  it('sets nothing: every line is a comment, so a copied .env keeps the defaults', () => {
    const active = example.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(active).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));

  it('builds in one stage and runs from node:22-slim as the node user with production dependencies', () => {
    expect(dockerfile).toMatch(/^FROM node:22\S* AS build$/m);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/^FROM node:22-slim AS runtime$/m);
    expect(runtime).toContain('npm ci --omit=dev --workspaces --include-workspace-root');
    expect(runtime).toMatch(/^USER node$/m);
  });

  it('copies only package files, the built JavaScript and the App manifest into the runtime image', () => {
    const copies = [...runtime.matchAll(/^COPY (.*)$/gm)].map((m) => m[1]!);
    for (const copy of copies) {
      const sources = copy
        .replace(/^--from=build /, '')
        .split(/\s+/)
        .slice(0, -1);
      for (const source of sources)
        expect(source, copy).toMatch(
          /(^package(-lock)?\.json$|\/package\.json$|\/dist$|^app\.yml$)/,
        );
    }
  });

  it('holds no bench and no test support: neither tools/bench nor the stand-in harness reaches the runtime', () => {
    expect(runtime).not.toMatch(/^COPY .*tools\/bench/m);
    expect(dockerfile).toMatch(
      /rm -r tools\/github-standin\/dist\/harness tools\/github-standin\/dist\/demo\.\*/,
    );
  });

  it('keeps stale build outputs out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '**/*.tsbuildinfo', '.env']),
    );
  });
});
