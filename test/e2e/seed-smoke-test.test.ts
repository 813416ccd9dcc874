import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdConnection, Pipeline } from '@solstice/github-standin/harness';
import { envelopeFromFields, groupIdFor } from '@solstice/shared';
import { pushPayload } from '../support/payloads.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const fieldsOf = (flat: string[]) => {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
};

/**
 * The original design note's smoke test (seed/000_84c6defa01a44b96.txt, "Signature example"),
 * byte for byte as its curl command sends it, captured from curl 7.88.1:
 *   SIG=$(printf %s "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -binary | xxd -p -c 256)
 *   curl -sS -X POST http://127.0.0.1:8082/webhooks/github -H "Content-Type: application/json" \
 *     -H "X-GitHub-Event: push" -H "X-Hub-Signature-256: sha256=$SIG" --data "$BODY"
 * No X-GitHub-Delivery, no X-GitHub-Hook-ID: GitHub always sends them, this does not.
 */
function curlRequest(url: string, secret: string, body: string): string {
  const { host, pathname } = new URL(url);
  const sig = createHmac('sha256', secret).update(body).digest('hex');
  return (
    `POST ${pathname} HTTP/1.1\r\n` +
    `Host: ${host}\r\n` +
    'User-Agent: curl/7.88.1\r\n' +
    'Accept: */*\r\n' +
    'Content-Type: application/json\r\n' +
    'X-GitHub-Event: push\r\n' +
    `X-Hub-Signature-256: sha256=${sig}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    '\r\n' +
    body
  );
}

/** Sends the request over a fresh connection; the status and the JSON answer. */
async function replay(url: string, request: string) {
  const c = holdConnection(url, request);
  const answer = await c.answer;
  c.socket.destroy();
  return { status: answer.status, json: JSON.parse(answer.body || '{}') as Record<string, string> };
}

describe("the seed's curl smoke test, through receiver → expander", () => {
  let p: Pipeline;
  const sha = 'c'.repeat(40);

  beforeAll(async () => {
    p = new Pipeline({ redisUrl: redisUrl(), amqpUrl: amqpUrl(), label: 'seed-curl' });
    // Every owner: the seed's minimal payload names its repository only by its clone URL.
    p.install('*');
    await p.start(['receiver', 'expander'], false);
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  it('accepts its exact request under a generated delivery id; the expander dead-letters the unbuildable body with a reason', async () => {
    // The seed's own BODY: no repository, and `after` is not a commit id.
    const body = '{"after":"deadbeef", "repository":{}}';
    const res = await replay(p.receiverUrl, curlRequest(p.receiverUrl, p.secret, body));
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'stored', delivery_generated: 'true' });
    const delivery = res.json.delivery!;
    expect(delivery).toMatch(/^[0-9a-f-]{36}$/);

    const stored = await p.redis.xrange(p.keys.events, '-', '+');
    expect(stored).toHaveLength(1);
    expect(fieldsOf(stored[0]![1])).toMatchObject({
      delivery,
      delivery_generated: '1',
      body,
      hook_id: '0',
    });

    const dead = await waitFor(async () => {
      const entries = await p.redis.xrange(p.keys.dead(p.keys.events), '-', '+');
      return entries.length > 0 ? entries.map(([, f]) => fieldsOf(f)) : undefined;
    }, 'the event dead-lettered');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ delivery, delivery_generated: '1' });
    // The reason names what cannot be built.
    expect(dead[0]!.dead_error).toMatch(/after/);
    expect(await p.redis.xlen(p.keys.jobs)).toBe(0);
  });

  it('turns the same curl request with a real push into a JobRequest, and twice sent into two', async () => {
    const body = JSON.stringify(pushPayload(p.installationId, sha));
    const request = curlRequest(p.receiverUrl, p.secret, body);
    const first = await replay(p.receiverUrl, request);
    const second = await replay(p.receiverUrl, request);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.json.delivery).not.toBe(second.json.delivery);

    const jobs = await waitFor(async () => {
      const entries = await p.redis.xrange(p.keys.jobs, '-', '+');
      const envelopes = entries.map(([, f]) => envelopeFromFields(fieldsOf(f)));
      const mine = envelopes.filter((e) => e.job.commit_sha === sha);
      return mine.length >= 2 ? mine : undefined;
    }, 'two JobRequests');
    // Not deduplicated: one JobRequest per request, each in the group of its own generated id.
    expect(jobs.map((e) => e.delivery).sort()).toEqual(
      [first.json.delivery!, second.json.delivery!].sort(),
    );
    for (const e of jobs) {
      expect(e.job.group_id).toBe(groupIdFor(e.delivery));
      expect(e.job).toMatchObject({ source: 'github', repo_owner: 'Codertocat', commit_sha: sha });
    }
    // Still signed: the same request under another secret is refused.
    const forged = await replay(
      p.receiverUrl,
      curlRequest(p.receiverUrl, 'your_shared_secret', body),
    );
    expect(forged.status).toBe(401);
  });

  it("turns the seed's minimal push payload, sent the same way, into a JobRequest", async () => {
    // "Minimal push payload shape" of the seed, with its commit id.
    const body = JSON.stringify({
      after: '0123456789abcdef0123456789abcdef01234567',
      repository: {
        clone_url: 'https://github.com/org/repo.git',
        ssh_url: 'git@github.com:org/repo.git',
      },
    });
    const res = await replay(p.receiverUrl, curlRequest(p.receiverUrl, p.secret, body));
    expect(res.status).toBe(202);
    const job = await waitFor(async () => {
      const entries = await p.redis.xrange(p.keys.jobs, '-', '+');
      return entries
        .map(([, f]) => envelopeFromFields(fieldsOf(f)))
        .find((e) => e.delivery === res.json.delivery);
    }, 'its JobRequest');
    expect(job.job).toMatchObject({
      repo_url: 'https://github.com/org/repo.git',
      repo_owner: 'org',
      repo_name: 'repo',
      commit_sha: '0123456789abcdef0123456789abcdef01234567',
      group_id: groupIdFor(res.json.delivery!),
    });
  });
});
