import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigReader, runMain } from '@solstice/shared';
import { newPassword, newPasswords, RABBIT_USERS, secretFiles, type Passwords } from './files.js';

/**
 * compose's one-shot `secrets` service: on the first run generates a password for Redis and
 * one per RabbitMQ user, and writes under SECRETS_DIR, one directory (a volume) per reader:
 * Redis' `requirepass` include, RabbitMQ's definitions (users with only the permissions each
 * needs), and each stage's REDIS_URL_FILE and AMQP_URL_FILE. Later runs keep the passwords
 * (admin/passwords.json) and write the files again (for changed AMQP_* names).
 * `--show`: prints admin/admin.env (URLs for `npm start` on the host, the management login).
 */
runMain('secrets', () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const dir = r.string('SECRETS_DIR', '/secrets');
  const show = r.bool('SHOW', false);
  const names = {
    exchange: r.string('AMQP_EXCHANGE', 'solstice.jobs'),
    queue: r.string('AMQP_QUEUE', 'solstice.jobs.v1'),
    dlx: r.string('AMQP_DLX', 'solstice.dlx'),
    dlq: r.string('AMQP_DLQ', 'solstice.jobs.v1.dlq'),
    resultsQueue: r.string('AMQP_RESULTS_QUEUE', 'solstice.results.v1'),
  };
  const hostPorts = {
    redis: `127.0.0.1:${r.int('REDIS_HOST_PORT', 6379, { min: 1, max: 65535 })}`,
    rabbitmq: `127.0.0.1:${r.int('RABBITMQ_HOST_PORT', 5672, { min: 1, max: 65535 })}`,
  };
  r.done();
  const kept = join(dir, 'admin', 'passwords.json');
  if (show) {
    process.stdout.write(readFileSync(join(dir, 'admin', 'admin.env'), 'utf8'));
    return Promise.resolve();
  }
  let passwords: Passwords;
  let made = false;
  try {
    passwords = JSON.parse(readFileSync(kept, 'utf8')) as Passwords;
    // A user added since the passwords were made gets one now.
    for (const user of RABBIT_USERS) passwords.rabbitmq[user] ??= newPassword();
  } catch {
    passwords = newPasswords();
    made = true;
  }
  const inside = { redis: 'redis:6379', rabbitmq: 'rabbitmq:5672' };
  for (const [sub, files] of Object.entries(secretFiles(passwords, names, inside, hostPorts))) {
    mkdirSync(join(dir, sub), { recursive: true });
    // Each directory is a volume mounted only into the containers that read it (as users
    // other than this one's, hence readable by all inside it).
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(dir, sub, name), text, { mode: 0o644 });
  }
  process.stdout.write(
    `secrets: ${made ? 'generated new passwords' : 'kept the passwords'} and wrote the files in ${dir}\n`,
  );
  return Promise.resolve();
});
