// Loaded with NODE_OPTIONS=--import (which may not hold --cpu-prof): the same V8 CPU profile
// as `node --cpu-prof`, through the inspector, written when the process exits.
//   COST_CPU_PROF_DIR: where to write <pid>.cpuprofile
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.COST_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 }); // µs, as --cpu-prof
  session.post('Profiler.start');
  // An in-process session answers at once: the profile is written before the process ends.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
