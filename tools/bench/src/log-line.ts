// What one log line costs: the shared logger (createLogger, with its redaction) writing to a
// stream that drops the bytes, for the lines the stages write most. Prints µs per line.
//   npm run build && node tools/bench/dist/log-line.js
// Settings: LOG_BENCH_LINES per kind (200000).
import { Writable } from 'node:stream';
import { createLogger } from '@solstice/shared';

const sink = new Writable({
  write(_chunk, _enc, cb) {
    cb();
  },
});
const log = createLogger({ name: 'receiver', destination: sink });

// The receiver's line per delivery, a stage's line with request ids, and a failed GitHub call.
const delivery = {
  delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  event: 'push',
  action: undefined,
  outcome: 'stored',
  status: 202,
  reason: undefined,
};
const handled = {
  delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  requestIds: ['6f1c…', '0a9e…', 'c3d2…'],
  owner: 'octo-org',
  repo: 'widgets',
  sha: '0123456789abcdef0123456789abcdef01234567',
  jobs: 3,
};
const failure = Object.assign(new Error('Bad credentials'), {
  status: 401,
  request: {
    method: 'GET',
    url: 'https://api.github.com/repos/octo-org/widgets/contents/.solstice%2Fworkflow.kdl',
    headers: { accept: 'application/vnd.github.v3+json', authorization: 'token ghs_x' },
  },
  response: { status: 401, headers: { 'x-github-request-id': 'AB12:3456' }, data: {} },
});

const lines = Number(process.env.LOG_BENCH_LINES ?? 200_000);
for (const [name, write] of [
  ['delivery', () => log.info(delivery, 'webhook received')],
  ['handled', () => log.info(handled, 'event expanded')],
  ['error', () => log.warn({ err: failure, delivery: delivery.delivery }, 'GitHub call failed')],
] as const) {
  for (let i = 0; i < lines / 10; i++) write(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) write();
  const ns = Number(process.hrtime.bigint() - started) / lines;
  console.log(`${name.padEnd(9)} ${(ns / 1000).toFixed(2)} µs/line`);
}
