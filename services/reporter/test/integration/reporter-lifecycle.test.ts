import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckRunStore,
  createStandIn,
  generateAppKey,
  type GitHubStandIn,
} from '@solstice/github-standin';
import {
  consumerConnection,
  hasRabbitmqctl,
  rabbitmqctl,
} from '../../../../test/support/rabbitmq.js';
import { amqpUrl, uniqueName } from '../../../../test/support/servers.js';
import {
  INSTALLATION,
  OWNER,
  envelopeFor,
  newSha,
  resultFor,
  startHarness,
  waitFor,
  type Harness,
} from './harness.js';

describe('reporter lifecycle', () => {
  const key = generateAppKey();
  const runs = new CheckRunStore();
  let standIn: GitHubStandIn;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    standIn = await createStandIn({ appId: 44, key, checks: runs }).start();
    standIn.addInstallation({ id: INSTALLATION, account: OWNER, repos: [] });
  });
  afterAll(async () => {
    for (const h of harnesses) await h.close();
    await standIn?.close();
  });

  const harness = async () => {
    const h = await startHarness(standIn, key);
    harnesses.push(h);
    return h;
  };
  const completed = (requestId: string) =>
    waitFor(
      () => runs.withExternalId(requestId)[0]?.status === 'completed',
      `run ${requestId} completed`,
    );

  it('gives back a result it could not show yet when it shuts down', async () => {
    const h = await harness();
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.addQueued(e);
    await waitFor(() => runs.withExternalId(e.job.request_id)[0], 'queued run');
    standIn.fail(
      { method: 'PATCH', path: new RegExp(`/${repo}/check-runs/`) },
      { status: 503, body: { message: 'Service Unavailable' } },
      100_000,
    );
    await h.publishResult(resultFor(e));
    await waitFor(
      async () => (await h.counter('solstice_jobresults_total', { outcome: 'retried' })) > 0,
      'the result being retried',
    );
    await h.reporter.close();
    expect(await h.readyResults()).toBe(1);
    expect(runs.withExternalId(e.job.request_id)[0]?.status).toBe('queued');
    expect(h.logs.lines().some((l) => l.msg === 'stage runner stopped')).toBe(true);
  });

  it('consumes again after the broker deleted its queue (declared anew)', async () => {
    const h = await harness();
    const conn = await connect(amqpUrl());
    const ch = await conn.createChannel();
    await ch.deleteQueue(h.names.queue);
    await conn.close();
    await waitFor(
      () => h.logs.lines().some((l) => l.msg === 'results consumer cancelled by the broker'),
      'the cancel noticed',
    );
    await waitFor(
      () => h.logs.lines().filter((l) => l.msg === 'consuming JobResults').length >= 2,
      'consuming again',
    );
    const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
    await h.publishResult(resultFor(e));
    await completed(e.job.request_id);
  });

  it.skipIf(!hasRabbitmqctl())(
    'reconnects, declares and consumes again after the broker closed its connection',
    async () => {
      const h = await harness();
      const first = await waitFor(() => consumerConnection(h.names.queue), 'our consumer');
      await rabbitmqctl('close_connection', first, 'reporter test: forced close');
      const second = await waitFor(async () => {
        const now = await consumerConnection(h.names.queue);
        return now !== undefined && now !== first ? now : undefined;
      }, 'a consumer on a new connection');
      expect(second).not.toBe(first);
      const e = envelopeFor({ repo: uniqueName('repo'), sha: newSha() });
      await h.addQueued(e);
      await h.publishResult(resultFor(e));
      await completed(e.job.request_id);
      expect(h.reporter.consumer.consuming()).toBe(true);
    },
  );
});
