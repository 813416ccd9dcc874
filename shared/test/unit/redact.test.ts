import { describe, expect, it } from 'vitest';
import { CENSOR, redactDeep } from '../../src/redact.js';

describe('redactDeep', () => {
  it('censors credential keys in any case and at any depth, keeping counts and flags', () => {
    const out = redactDeep({
      headers: { Authorization: 'token a', COOKIE: 'c', 'X-Hub-Signature-256': 'sha256=s' },
      deep: { deeper: { webhookSecrets: ['s1', 's2'], private_key: 'k', PrivateKey: 'k' } },
      list: [{ access_token: 't' }, { password: 'p' }],
      secretCount: 2,
      tokenCached: true,
      delivery: 'abc',
    });
    expect(out).toEqual({
      headers: { Authorization: CENSOR, COOKIE: CENSOR, 'X-Hub-Signature-256': CENSOR },
      deep: { deeper: { webhookSecrets: CENSOR, private_key: CENSOR, PrivateKey: CENSOR } },
      list: [{ access_token: CENSOR }, { password: CENSOR }],
      secretCount: 2,
      tokenCached: true,
      delivery: 'abc',
    });
  });

  it("walks an error: its own properties and its cause's", () => {
    const cause = { request: { headers: { Authorization: 'Bearer in-the-cause' } } };
    const inner = Object.assign(new Error('inner', { cause }), {
      response: { headers: { 'set-cookie': 'session=in-the-response' } },
    });
    const outer = new Error('outer', { cause: inner });
    const text = JSON.stringify(redactDeep({ err: outer, also: { error: inner } }));
    expect(text).not.toContain('in-the-cause');
    expect(text).not.toContain('in-the-response');
    expect(text).toContain('outer');
    expect(text).toContain('caused by: Error: inner');
  });

  it('hides the password of a URL in any string', () => {
    expect(
      redactDeep({ url: 'redis://:hunter2@redis:6379', note: 'amqp://u:p@h/%2f down' }),
    ).toEqual({ url: 'redis://:***@redis:6379', note: 'amqp://u:***@h/%2f down' });
  });

  it('returns the very object when nothing needs hiding (no copy per log line)', () => {
    const line = { delivery: 'abc', event: 'push', status: 202, ids: ['a', 'b'] };
    expect(redactDeep(line)).toBe(line);
  });

  it('stops at a cycle instead of looping', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(JSON.stringify(redactDeep(a))).toContain('too deep');
  });
});
