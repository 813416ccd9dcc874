import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline } from '@solstice/github-standin/harness';
import { checkInvariants, sendPushes, startPipeline } from '../faults/fault-support.js';
import { amqpUrl, redisUrl } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

// AMQP_URL naming two nodes. Both are proxies to the one broker of this machine, so this shows
// the stages move to the other URL when theirs goes away — not a cluster losing a node (the
// queues live on, which a real quorum queue would have to ensure).
describe('failover: AMQP_URL with two nodes, the one in use goes away', () => {
  let p: Pipeline | undefined;
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    await p?.stop().catch(() => undefined);
    for (const proxy of proxies.splice(0)) await proxy.close();
    p = undefined;
  });

  it('publishes and reports through the other node; nothing lost, nothing duplicated', async () => {
    const broker = new URL(amqpUrl());
    const target = { host: broker.hostname, port: Number(broker.port || 5672) };
    const [a, b] = [await startTcpProxy(target), await startTcpProxy(target)];
    proxies.push(a, b);
    p = await startPipeline({
      label: 'amqp-nodes',
      redisUrl: redisUrl(),
      amqpUrl: `${a.urlFor(amqpUrl())},${b.urlFor(amqpUrl())}`,
    });
    const stream = sendPushes(p, 30, 60);
    await waitFor(() => p!.checks.all().length >= 1, 'publishing and reporting under way');
    const cutAt = Date.now();
    a.pause();
    const before = p.checks.all().length;
    await waitFor(() => p!.checks.all().length > before, 'Check Runs again after the cut', 60_000);
    const againMs = Date.now() - cutAt;
    const sent = await stream;
    const moved = ['publisher', 'reporter'].map((s) =>
      p!
        .process(s)
        .lines.some((l) => l.includes(`127.0.0.1:${b.port}`) && l.includes('AMQP connected')),
    );
    console.log(
      `[failover] AMQP node in use cut; a Check Run again ${againMs} ms after; ` +
        `publisher on the other node: ${moved[0]}, reporter: ${moved[1]}`,
    );
    expect(moved).toEqual([true, true]);
    await checkInvariants(p, sent);
  });
});
