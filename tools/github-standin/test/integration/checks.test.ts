import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckRunStore,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '../../src/index.js';

// The stand-in is the reporter's GitHub: it must refuse what GitHub refuses, or the
// reporter's tests would pass against a GitHub that does not exist.
describe('the GitHub stand-in Checks API', () => {
  const key = generateAppKey();
  const store = new CheckRunStore();
  let standIn: GitHubStandIn;
  let token = '';
  const sha = 'c'.repeat(40);

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 42, key, checks: store }).start();
    standIn.addInstallation({ id: 7, account: 'octo-org', repos: [] });
    token = standIn.mintToken(7).token;
  });
  afterAll(() => standIn.close());

  const call = async (method: string, path: string, body?: unknown, auth = token) => {
    const res = await fetch(standIn.url + path, {
      method,
      headers: { authorization: `token ${auth}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const create = (body: Record<string, unknown>, repo = 'octo-org/app', auth = token) =>
    call('POST', `/repos/${repo}/check-runs`, { name: 'CI', head_sha: sha, ...body }, auth);

  it("creates a run in GitHub's shape", async () => {
    const { status, body } = await create({
      external_id: 'req-1',
      status: 'queued',
      output: { title: 'Queued', summary: 'waiting' },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      id: expect.any(Number),
      head_sha: sha,
      external_id: 'req-1',
      name: 'CI',
      status: 'queued',
      conclusion: null,
      completed_at: null,
      details_url: null,
      output: { title: 'Queued', summary: 'waiting', text: null },
      html_url: expect.stringContaining('/runs/'),
      app: { id: 42 },
    });
    expect(store.withExternalId('req-1')).toHaveLength(1);
  });

  it('answers 422 where GitHub does', async () => {
    expect((await create({ status: 'completed' })).status).toBe(422);
    expect((await create({ status: 'done' })).status).toBe(422);
    expect((await create({ name: undefined })).status).toBe(422);
    expect((await create({ head_sha: 'main' })).status).toBe(422);
    const long = { title: 't', summary: 'x'.repeat(65_536) };
    expect((await create({ output: long })).status).toBe(422);
    expect((await create({ output: { ...long, summary: 'x'.repeat(65_535) } })).status).toBe(201);
  });

  it('needs an installation token of an installation that covers the repository', async () => {
    expect((await create({}, 'someone-else/app')).status).toBe(404);
    expect((await create({}, 'octo-org/app')).status).toBe(201);
    expect((await call('POST', '/repos/octo-org/app/check-runs', {}, 'ghs_wrong')).status).toBe(
      401,
    );
  });

  it('completes a run on PATCH, a conclusion implying completed, and keeps its history', async () => {
    const { body: run } = await create({ external_id: 'req-2' });
    const patched = await call('PATCH', `/repos/octo-org/app/check-runs/${run.id}`, {
      conclusion: 'failure',
      output: { title: 'Failed (exit 2)', summary: 'boom' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(patched.body.completed_at).toMatch(/Z$/);
    expect(store.runs.get(run.id)?.history.map((h) => h.status)).toEqual(['queued', 'completed']);
    const got = await call('GET', `/repos/octo-org/app/check-runs/${run.id}`);
    expect(got.body.output.title).toBe('Failed (exit 2)');
    expect((await call('PATCH', '/repos/octo-org/app/check-runs/1', {})).status).toBe(404);
  });

  it("lists a commit's runs by name, latest or all, a page at a time", async () => {
    const other = 'd'.repeat(40);
    for (let i = 0; i < 3; i++)
      await create({ head_sha: other, name: 'same', external_id: `s${i}` });
    await create({ head_sha: other, name: 'another' });
    const base = `/repos/octo-org/app/commits/${other}/check-runs`;
    expect((await call('GET', base)).body.total_count).toBe(2);
    const all = await call('GET', `${base}?filter=all&per_page=2&page=2`);
    expect(all.body.total_count).toBe(4);
    expect(all.body.check_runs).toHaveLength(2);
    const named = await call('GET', `${base}?filter=all&check_name=same`);
    expect(named.body.check_runs.map((r: { external_id: string }) => r.external_id)).toEqual([
      's2',
      's1',
      's0',
    ]);
    expect((await call('GET', `${base}?app_id=99`)).body.total_count).toBe(0);
  });

  it('logs every write with its installation and times, in order, for pacing assertions', async () => {
    standIn.addInstallation({ id: 9, account: 'other-org', repos: ['other-org/one'] });
    const other = standIn.mintToken(9).token;
    const from = standIn.writes().length;
    const made = await create({ external_id: 'w-1' });
    await call('GET', `/repos/octo-org/app/check-runs/${made.body.id}`);
    await call('PATCH', `/repos/octo-org/app/check-runs/${made.body.id}`, {
      status: 'in_progress',
    });
    await create({ external_id: 'w-2' }, 'other-org/one', other);
    const writes = standIn.writes().slice(from);
    expect(writes.map((w) => [w.method, w.installationId, w.status])).toEqual([
      ['POST', 7, 201],
      ['PATCH', 7, 200],
      ['POST', 9, 201],
    ]);
    for (const w of writes) expect(w.doneAt).toBeGreaterThanOrEqual(w.at);
    expect(standIn.writes(9)).toHaveLength(1);
  });

  it('serves an installation per repository: the one naming it, else the account-wide one', () => {
    standIn.addInstallation({ id: 10, account: 'octo-org', repos: ['octo-org/special'] });
    expect(standIn.installationFor('octo-org', 'special')?.id).toBe(10);
    expect(standIn.installationFor('octo-org', 'app')?.id).toBe(7);
    expect(standIn.installationFor('nobody', 'x')).toBeUndefined();
  });

  it("keeps a run's requested actions, refuses GitHub's over-long ones, and clears them on []", async () => {
    const action = { label: 'Approve and run', identifier: 'approve', description: 'Run it' };
    const made = await create({ external_id: 'a-1', actions: [action] });
    expect(made.status).toBe(201);
    expect(store.runs.get(made.body.id)!.actions).toEqual([action]);
    for (const [field, value] of [
      ['label', 'x'.repeat(21)],
      ['identifier', 'x'.repeat(21)],
      ['description', 'x'.repeat(41)],
    ] as const) {
      const bad = await create({ actions: [{ ...action, [field]: value }] });
      expect(bad.status).toBe(422);
      expect(bad.body.message).toContain(`"${field}" is too long`);
    }
    expect((await create({ actions: [action, action, action, action] })).status).toBe(422);
    const id = made.body.id as number;
    await call('PATCH', `/repos/octo-org/app/check-runs/${id}`, {
      output: { title: 't', summary: 's' },
    });
    expect(store.runs.get(id)!.actions).toEqual([action]);
    await call('PATCH', `/repos/octo-org/app/check-runs/${id}`, {
      conclusion: 'success',
      actions: [],
    });
    expect(store.runs.get(id)!.actions).toEqual([]);
  });
});
