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

  const harness = async (env: Record<string, string> = {}) => {
    const h = await startHarness(standIn, key, env);
    harnesses.push(h);
    return h;
  };
  const completed = (requestId: string) =>
    waitFor(
      () => runs.withExternalId(requestId)[0]?.status === 'completed',
      `run ${requestId} completed`,
    );

  it('acks a result at once while GitHub is down; the write waits in Redis for the next copy', async () => {
    const h = await harness({ WRITE_MAX_ATTEMPTS: '100', WRITE_RETRY_MAX_MS: '300' });
    const repo = uniqueName('repo');
    const e = envelopeFor({ repo, sha: newSha() });
    await h.published(e);
    await waitFor(() => runs.withExternalId(e.job.request_id)[0], 'queued run');
    standIn.fail(
      { method: 'PATCH', path: new RegExp(`/${repo}/check-runs/`) },
      { status: 503, body: { message: 'Service Unavailable' } },
      100_000,
    );
    await h.publishResult(resultFor(e));
    await waitFor(
      async () => (await h.counter('solstice_check_write_failures_total', { kind: 'retry' })) > 0,
      'the write being retried',
    );
    // Acked: nothing of the result is held in RabbitMQ while GitHub is away.
    expect(await h.readyResults()).toBe(0);
    await h.reporter.close();
    expect(runs.withExternalId(e.job.request_id)[0]?.status).toBe('queued');
    expect(h.logs.lines().some((l) => l.msg === 'stage runner stopped')).toBe(true);
    // GitHub is back; a copy on the same Redis finds the write waiting and makes it.
    standIn.clearFaults();
    const next = await startHarness(standIn, key, { STREAM_PREFIX: h.config.stage.streamPrefix });
    harnesses.push(next);
    await completed(e.job.request_id);
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
    await h.recordPublished(e);
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
      await h.published(e);
      await h.publishResult(resultFor(e));
      await completed(e.job.request_id);
      expect(h.reporter.consumer.consuming()).toBe(true);
    },
  );
});
