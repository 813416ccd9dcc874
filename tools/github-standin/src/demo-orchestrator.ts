import { createServer } from 'node:http';
import {
  ConfigReader,
  closeRedis,
  connectAmqp,
  createRedis,
  createLogger,
  handleProcessSignals,
  parseAddr,
  readAddr,
  readAmqpSettings,
  readRedisSettings,
  runMain,
  validateJobRequest,
  type ChannelModel,
  type JobRequest,
  type JobResult,
} from '@solstice/shared';

/**
 * A stand-in for the Solstice orchestrator, for the demo and the end-to-end tests: it takes
 * JobRequests from AMQP_QUEUE, "runs" each for DEMO_JOB_MS, publishes a JobResult
 * (jobresult.v1) and serves the job's log at GET /jobs/<request_id>/logs.
 * A job whose id contains "fail" fails with exit code 2. With ORCH_RECORD_KEY set, every
 * JobRequest received is also pushed (as JSON) to that Redis list, for tests to inspect.
 * GET /readyz answers 200 while it consumes.
 */
runMain('demo-orchestrator', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const amqp = readAmqpSettings(r);
  const queue = r.string('AMQP_QUEUE', 'solstice.jobs.v1');
  const resultsKey = r.string('AMQP_RESULTS_ROUTING_KEY', 'jobresult.v1');
  const jobMs = r.int('DEMO_JOB_MS', 300, { max: 600_000 });
  const httpAddr = readAddr(r, 'ORCH_HTTP_ADDR', '127.0.0.1:8090');
  const recordKey = r.string('ORCH_RECORD_KEY');
  const { redisUrl } = readRedisSettings(r);
  r.done();
  const recorder = recordKey
    ? createRedis(redisUrl, { role: 'worker', name: 'demo-orchestrator' })
    : undefined;
  const log = createLogger({ name: 'demo-orchestrator' });
  const logs = new Map<string, string>();
  let consuming = false;

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/readyz')
      return void res.writeHead(consuming ? 200 : 503).end(consuming ? 'ready\n' : 'not ready\n');
    const m = /^\/jobs\/([0-9a-f-]{36})\/logs$/.exec(req.url ?? '');
    const text = m ? logs.get(m[1]!) : undefined;
    if (req.method !== 'GET' || text === undefined)
      return void res.writeHead(404).end('not found\n');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
  });
  const { host, port } = parseAddr(httpAddr)!;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));

  let current: ChannelModel | undefined;
  let stopping = false;
  // A channel closed while its connection lives (a result nacked: see below) is opened again;
  // after a lost connection, connectAmqp's recovery calls consumeOn with the new one.
  const reopen = (model: ChannelModel) =>
    setTimeout(() => {
      if (stopping || model !== current) return;
      consumeOn(model).catch((err: Error) =>
        log.warn({ err: err.message }, 'channel not opened again; waiting for a reconnect'),
      );
    }, 500);

  const consumeOn = async (model: ChannelModel) => {
    current = model;
    const ch = await model.createConfirmChannel();
    ch.on('error', (err: Error) => log.warn({ err: err.message }, 'channel error'));
    ch.on('close', () => {
      consuming = false;
      reopen(model);
    });
    await ch.checkQueue(queue); // the publisher declares it
    await ch.prefetch(8);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      let job: JobRequest;
      try {
        job = validateJobRequest(JSON.parse(msg.content.toString()));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'rejecting an invalid JobRequest');
        ch.nack(msg, false, false);
        return;
      }
      const started = new Date();
      void recorder?.rpush(
        recordKey!,
        JSON.stringify({ ...job, received_at: started.toISOString() }),
      );
      setTimeout(() => {
        const fail = /fail/i.test(job.workflow_job_id ?? '');
        const exit = fail ? 2 : 0;
        logs.set(
          job.request_id,
          `$ ${job.script_path ?? 'default build'} on ${job.runs_on ?? 'default runner'}\n` +
            `started ${started.toISOString()}\n${fail ? 'error: the demo job failed\n' : 'ok\n'}exit ${exit}\n`,
        );
        const result: JobResult = {
          schema_version: 'jobresult.v1',
          request_id: job.request_id,
          repo_url: job.repo_url,
          repo_owner: job.repo_owner,
          repo_name: job.repo_name,
          commit_sha: job.commit_sha,
          success: !fail,
          exit_code: exit,
          summary: fail
            ? 'The demo job failed on purpose (its id contains "fail").'
            : 'The demo job passed.',
          completed_at: new Date().toISOString(),
        };
        // A channel closed under us (broker restart, connection cut): the job message was
        // never acked, so the broker hands it out again after the reconnect.
        try {
          ch.publish(amqp.exchange, resultsKey, Buffer.from(JSON.stringify(result)), {
            persistent: true,
            contentType: 'application/json',
            messageId: job.request_id,
            type: 'jobresult.v1',
          });
        } catch (err) {
          log.warn(
            { err: (err as Error).message, request_id: job.request_id },
            'result not published; the job will run again',
          );
          return;
        }
        ch.waitForConfirms().then(
          () => {
            try {
              ch.ack(msg);
              log.info(
                { request_id: job.request_id, job: job.workflow_job_id, success: !fail },
                'job finished',
              );
            } catch (err) {
              log.warn({ err: (err as Error).message }, 'job not acked; it will run again');
            }
          },
          (err: Error) => {
            // RabbitMQ 3.10 may go on nacking every publish of this channel (a quorum queue
            // elected a leader meanwhile): close it, so the broker hands its unacked jobs out
            // again, and consume on a fresh one.
            log.warn(
              { err: err.message },
              'result not confirmed; the channel is replaced and the job will run again',
            );
            ch.close().catch(() => undefined);
          },
        );
      }, jobMs);
    });
    consuming = true;
    log.info({ queue }, 'consuming JobRequests');
  };

  const conn = await connectAmqp({ url: amqp.amqpUrl, log, setup: consumeOn });

  handleProcessSignals(log, async () => {
    stopping = true;
    await conn.close().catch(() => undefined);
    server.close();
    if (recorder) await closeRedis(recorder);
  });
});
