import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '@solstice/github-standin/harness';
import { checkInvariants, sendPushes, startPipeline, type Sent } from '../faults/fault-support.js';
import {
  hasRabbitmqServer,
  startRabbitCluster,
  type RabbitCluster,
  type RabbitNode,
} from '../support/rabbitmq-cluster.js';
import { redisUrl } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { STAGE_NAMES, watchProgress } from './failover-support.js';

// Three rabbitmq-server processes of the test's own, clustered, with quorum queues; every
// stage and the demo orchestrator get AMQP_URL naming the three nodes. The machine's own broker
// (port 5672) is not touched.
describe.skipIf(!hasRabbitmqServer())(
  'failover: a 3-node RabbitMQ cluster with quorum queues loses the node in use under a stream of pushes',
  () => {
    let cluster: RabbitCluster | undefined;
    let p: Pipeline | undefined;
    beforeAll(async () => {
      cluster = await startRabbitCluster({ size: 3 });
    }, 300_000);
    afterAll(async () => {
      await p?.stop().catch(() => undefined);
      await cluster?.stop();
    }, 120_000);

    /** The node a stage's AMQP connection is on now (its last "AMQP connected" line). */
    const nodeOf = (stage: string): RabbitNode | undefined => {
      const line = p!
        .process(stage)
        .lines.filter((l) => l.includes('"AMQP connected"'))
        .at(-1);
      const url = line && (JSON.parse(line) as { amqp?: string }).amqp;
      return url ? cluster!.nodeAt(url) : undefined;
    };
    /** When (the log's own time) a stage first connected to a node after `since`. */
    const reconnectedAt = (stage: string, since: number): number | undefined =>
      p!
        .process(stage)
        .lines.filter((l) => l.includes('"AMQP connected"'))
        .map((l) => Date.parse((JSON.parse(l) as { time: string }).time))
        .find((t) => t >= since);
    const label = (n: RabbitNode | undefined) =>
      n ? `node ${cluster!.nodes.indexOf(n) + 1}` : 'no node';

    /** Loses the publisher's node under a stream of pushes; prints each stage's failover time. */
    const loseNode = async (how: 'killed -9' | 'stopped', sent: Sent[]): Promise<RabbitNode> => {
      const node = nodeOf('publisher');
      if (!node) throw new Error('the publisher is not connected to a cluster node');
      const amqpStages = ['publisher', 'reporter', 'demo-orchestrator'];
      const on = amqpStages.filter((s) => nodeOf(s) === node);
      const progress = await watchProgress(p!);
      const lostAt = Date.now();
      // Pushes keep coming through the loss (a graceful stop takes a second or two) and after
      // it, until every AMQP client moved.
      const gone = how === 'killed -9' ? node.kill() : node.stop();
      while (on.some((s) => reconnectedAt(s, lostAt) === undefined) || Date.now() - lostAt < 3000) {
        sent.push(...(await sendPushes(p!, 1, 100)));
        if (Date.now() - lostAt > 60_000) {
          const stuck = on.filter((s) => !reconnectedAt(s, lostAt));
          const lines = stuck.flatMap((s) =>
            p!
              .process(s)
              .lines.filter((l) => l.includes('AMQP') || l.includes('channel'))
              .slice(-6)
              .map((l) => `${s}: ${l.slice(0, 300)}`),
          );
          throw new Error(
            `${stuck.join(', ')} never moved; their last lines:\n${lines.join('\n')}`,
          );
        }
      }
      await gone;
      sent.push(...(await sendPushes(p!, 5, 50)));
      const seen = await progress.stop(60_000);
      // Every publish of the publisher's new channel nacked: it took another (PublishingLink).
      const nackedWhole = p!
        .process('publisher')
        .lines.filter((l) => l.includes('nacked the whole batch')).length;
      const moved = on.map(
        (s) => `${s} on ${label(nodeOf(s))} after ${reconnectedAt(s, lostAt)! - lostAt} ms`,
      );
      console.log(
        `[failover] rabbitmq ${label(node)} ${how} (it had the ${on.join(', ')}); reconnected: ${moved.join(', ')}; ` +
          `first progress after the loss: ${STAGE_NAMES.map((s) => `${s} ${seen[s] ?? 'none'} ms`).join(', ')}; ` +
          `publisher batches nacked whole so far: ${nackedWhole}`,
      );
      expect(on, 'the publisher and the reporter were both on the node lost').toEqual(
        expect.arrayContaining(['publisher', 'reporter']),
      );
      for (const s of STAGE_NAMES)
        expect(seen[s], `${s} made progress after the node loss`).toBeDefined();
      for (const s of on) expect(nodeOf(s), `${s} on another node`).not.toBe(node);
      return node;
    };

    it('loses and duplicates nothing: every 2xx delivery becomes one completed Check Run per job', async () => {
      const c = cluster!;
      p = await startPipeline({
        label: 'rabbit-cluster',
        redisUrl: redisUrl(),
        amqpUrl: c.amqpUrl(),
        env: { AMQP_QUEUE_TYPE: 'quorum' },
      });
      const n = p.names;
      // Quorum queues with a member on each node: they outlive any one node.
      const queues = (await c.ctl(c.nodes[0]!, ['list_queues', 'name', 'type', 'members']))
        .split('\n')
        .filter((l) => l.startsWith(n.prefix));
      for (const q of [n.queue, n.dlq, n.resultsQueue, `${n.resultsQueue}.dlq`]) {
        const row = queues.find((l) => l.split('\t')[0] === q);
        expect(row, `queue ${q}`).toMatch(/\tquorum\t/);
        for (const node of c.nodes) expect(row).toContain(node.name);
      }

      const sent: Sent[] = [...(await sendPushes(p, 10, 50))];
      await waitFor(() => p!.checks.all().length >= 1, 'the pipeline at work');
      // A crash: confirms and acks in flight on that node are lost with it.
      const killed = await loseNode('killed -9', sent);

      // Back in the cluster before the next loss: with two of three members down, a quorum
      // queue stops (by design), so the next node may go only once this one's members caught up.
      await killed.start();
      const next = nodeOf('publisher')!;
      await waitFor(
        async () => {
          await c.ctl(next, ['check_if_node_is_quorum_critical'], 'rabbitmq-queues');
          return true;
        },
        `${next.name} no longer quorum-critical`,
        90_000,
        1000,
      );
      sent.push(...(await sendPushes(p, 5, 50)));
      // A graceful stop (a rolling restart): the node closes its connections first.
      const stopped = await loseNode('stopped', sent);

      const alive = c.nodes.find((x) => x !== stopped)!;
      const queueRows = async () =>
        (
          await c.ctl(alive, [
            'list_queues',
            'name',
            'messages_ready',
            'messages_unacknowledged',
            'consumers',
          ])
        )
          .split('\n')
          .filter((l) => l.startsWith(n.prefix));
      const verdict = await checkInvariants(p, sent, 120_000).catch(async (err: unknown) => {
        // Where the work stopped: the queues (ready, unacked, consumers) and the AMQP warnings.
        console.log(`[failover] queues: ${JSON.stringify(await queueRows().catch(String))}`);
        for (const s of ['publisher', 'reporter', 'demo-orchestrator'])
          for (const l of p!
            .process(s)
            .lines.filter((l) => l.includes('"level":40'))
            .slice(-5))
            console.log(`[failover] ${s}: ${l.slice(0, 300)}`);
        throw err;
      });
      expect(verdict.deliveries).toBe(sent.length);
      // Nothing dead on the broker either: the DLQs of the jobs and of the results are empty.
      const dead = (await queueRows()).filter((l) => l.split('\t')[0]!.endsWith('.dlq'));
      expect(dead.length).toBe(2);
      for (const row of dead) expect(row.split('\t').slice(1, 3)).toEqual(['0', '0']);
    }, 420_000);
  },
);
