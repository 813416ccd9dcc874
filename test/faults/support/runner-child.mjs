// A stage process as small as it gets, for the runner's fault tests: the real StageRunner at
// its DEFAULT settings (readStageSettings), reading RUNNER_IN into RUNNER_OUT. Each handling
// is also written to RUNNER_SEEN (a side effect, as a publish or a GitHub call would be).
// An entry whose field `crash` is 1 kills the process (process.exit, as an OOM would); one
// with `slow_ms` takes that long.
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigReader,
  closeStageConnections,
  connectStage,
  createLogger,
  createStage,
  perEntry,
  readStageSettings,
} from '@solstice/shared';

const { RUNNER_IN: input, RUNNER_OUT: output, RUNNER_SEEN: seen } = process.env;
const r = new ConfigReader({ env: process.env });
const settings = readStageSettings(r);
const log = createLogger({ name: 'runner-child', level: 'info' });
const connections = connectStage(settings, 'runner', log);
const stage = createStage({
  group: 'runner',
  stream: input,
  settings,
  connections,
  log,
  handle: perEntry(async (e) => {
    await connections.redis.xadd(seen, '*', 'id', e.id, 'pid', String(process.pid));
    if (e.fields.crash === '1') process.exit(3);
    if (e.fields.slow_ms) await sleep(Number(e.fields.slow_ms));
    return [{ stream: output, fields: { from: e.id, pid: String(process.pid) } }];
  }, 1),
});
process.on('SIGTERM', () => {
  void stage
    .stop()
    .then(() => closeStageConnections(connections))
    .then(() => process.exit(0));
});
void stage.start();
