import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline, ReporterFeed, resultFor } from '@solstice/github-standin/harness';
import { newSha } from '../support/fixtures.js';
import { jobEnvelope } from '../support/fixtures.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const OWNER = 'Codertocat';

describe('fault injection: a reporter killed mid-write, with default writer settings', () => {
  let p: Pipeline | undefined;
  let feed: ReporterFeed | undefined;
  afterEach(async () => {
    await feed?.close();
    await p?.stop();
    p = undefined;
  });

  it('another copy takes its installation over and finishes, with no second Check Run', async () => {
    // The writers' defaults (GITHUB_WRITE_MIN_MS 1000, WRITER_LEASE_MS 10000, WRITE_RETRY_*):
    // only the harness's names and the stand-in are set; stream timings are the defaults too.
    p = new Pipeline({
      redisUrl: redisUrl(),
      amqpUrl: amqpUrl(),
      label: 'takeover',
      env: { GITHUB_WRITE_MIN_MS: '1000', GITHUB_RETRY_BASE_MS: '1000' },
    });
    p.install(OWNER);
    await p.start(['reporter'], false);
    await p.waitReady([await p.startProcess('reporter')]);
    feed = await ReporterFeed.open(p);
    // GitHub makes the first run but its answer never reaches the copy that asked.
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    p.standIn.fail(
      { method: 'POST', path: /\/check-runs$/ },
      { status: 502, body: { message: 'never seen' } },
      1,
      { afterHandling: true, hold },
    );
    const sha = newSha();
    const jobs = ['build', 'test', 'lint', 'docs'].map((jobId) =>
      jobEnvelope({
        owner: OWNER,
        repo: 'Hello-World',
        sha,
        jobId,
        installationId: p!.installationId,
      }),
    );
    await feed.published(jobs);
    await feed.results(jobs.map((e) => resultFor(e)));

    // The copy holding the installation's lease is the one waiting for that answer.
    const leaseKey = p.keys.writer.lease(p.installationId);
    await waitFor(() => p!.standIn.calls.some((c) => c.method === 'POST'), 'the held create');
    const holder = await waitFor(
      async () => (await p!.redis.get(leaseKey)) ?? undefined,
      'the lease',
    );
    const pid = Number(/-(\d+):/.exec(holder)?.[1]);
    const victim = [...p.processes.values()].find((proc) => proc.pid === pid)!;
    expect(victim, `the lease holder ${holder} among the reporters`).toBeDefined();
    await victim.kill();
    const killedAt = Date.now();
    release();

    await waitFor(
      () =>
        jobs.every((e) => p!.checks.withExternalId(e.job.request_id)[0]?.status === 'completed'),
      'every job completed by the other copy',
      60_000,
      200,
    );
    for (const e of jobs) expect(p.checks.withExternalId(e.job.request_id)).toHaveLength(1);
    // It looked the run up by external_id before writing anything for that job.
    const after = p.standIn.calls.filter((c) => c.at >= killedAt && c.auth === 'token');
    expect(after[0]).toMatchObject({ method: 'GET', path: expect.stringMatching(/\/check-runs$/) });
    await waitFor(async () => (await p!.pending()) === 0, 'nothing pending', 30_000);
    console.log(
      `[faults] reporter takeover: first call of the other copy ${after[0]!.at - killedAt} ms after kill -9 (WRITER_LEASE_MS default 10000)`,
    );
  });
});
