import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  newPasswords,
  permissions,
  rabbitDefinitions,
  rabbitPasswordHash,
  secretFiles,
} from '../../src/compose-secrets/files.js';

const names = {
  exchange: 'solstice.jobs',
  queue: 'solstice.jobs.v1',
  dlx: 'solstice.dlx',
  dlq: 'solstice.jobs.v1.dlq',
  resultsQueue: 'solstice.results.v1',
};
const allows = (regex: string, name: string) => new RegExp(regex).test(name);

describe('compose secrets', () => {
  it("grant each RabbitMQ user only its own program's names", () => {
    const p = permissions(names);
    // The publisher declares the jobs topology and publishes; nothing of the results queue.
    expect(allows(p.publisher.configure, 'solstice.jobs.v1')).toBe(true);
    expect(allows(p.publisher.write, 'solstice.jobs')).toBe(true);
    expect(allows(p.publisher.read, 'solstice.results.v1')).toBe(false);
    expect(allows(p.publisher.configure, 'solstice.results.v1')).toBe(false);
    // Anchored and escaped: a name that merely starts the same, or a dot as any character.
    expect(allows(p.publisher.configure, 'solstice.jobs.v1.evil')).toBe(false);
    expect(allows(p.publisher.write, 'solsticeXjobs')).toBe(false);
    // The reporter reads its results queue, and may not read the jobs queue or publish jobs.
    expect(allows(p.reporter.read, 'solstice.results.v1')).toBe(true);
    expect(allows(p.reporter.read, 'solstice.jobs.v1')).toBe(false);
    expect(allows(p.reporter.write, 'solstice.jobs')).toBe(false);
    // The demo orchestrator declares nothing.
    expect(allows(p.demo.configure, 'solstice.jobs')).toBe(false);
    expect(allows(p.demo.configure, '')).toBe(true); // ^$: RabbitMQ's "nothing"
  });

  it("hash passwords as RabbitMQ's rabbit_password_hashing_sha256", () => {
    const hash = Buffer.from(rabbitPasswordHash('s3cret'), 'base64');
    const salt = hash.subarray(0, 4);
    const want = createHash('sha256').update(salt).update('s3cret').digest();
    expect(hash.subarray(4)).toEqual(want);
    const defs = rabbitDefinitions(newPasswords(), names) as {
      users: { name: string; tags: string }[];
      permissions: { user: string }[];
    };
    expect(defs.users.map((u) => u.name)).toEqual(['publisher', 'reporter', 'demo', 'admin']);
    expect(defs.users.find((u) => u.name === 'admin')?.tags).toBe('administrator');
    expect(JSON.stringify(defs)).not.toContain('"password"');
  });

  it('give each reader only its own files', () => {
    const p = newPasswords();
    const inside = { redis: 'redis:6379', rabbitmq: 'rabbitmq:5672' };
    const files = secretFiles(p, names, inside, { redis: '127.0.0.1:1', rabbitmq: '127.0.0.1:2' });
    expect(files.redis!['redis.conf']).toBe(`requirepass ${p.redis}\n`);
    expect(Object.keys(files.receiver!)).toEqual(['redis-url']);
    expect(files.receiver!['redis-url']).toBe(`redis://:${p.redis}@redis:6379\n`);
    expect(files.publisher!['amqp-url']).toBe(
      `amqp://publisher:${p.rabbitmq.publisher}@rabbitmq:5672/%2f\n`,
    );
    for (const [dir, content] of Object.entries(files)) {
      if (dir === 'admin') continue;
      const text = Object.values(content).join('\n');
      // Only the admin directory holds the admin's password; none has another user's.
      expect(text, dir).not.toContain(p.rabbitmq.admin);
      if (dir !== 'publisher') expect(text, dir).not.toContain(p.rabbitmq.publisher);
    }
    expect(files.admin!['admin.env']).toContain(`@127.0.0.1:1`);
  });
});
