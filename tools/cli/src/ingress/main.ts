import {
  ConfigReader,
  createLogger,
  handleProcessSignals,
  parseAddr,
  readAddr,
  readLogLevel,
  runMain,
} from '@solstice/shared';
import { Balancer } from './balancer.js';

/**
 * compose's `ingress`: the one published address in front of the receiver's copies
 * (`--scale receiver=N`), a TCP balancer over the addresses the name `receiver` resolves to.
 */
runMain('ingress', async () => {
  const r = new ConfigReader({ argv: process.argv.slice(2) });
  const addr = parseAddr(readAddr(r, 'INGRESS_ADDR', '0.0.0.0:8082'))!;
  const upstream = readAddr(r, 'INGRESS_UPSTREAM', 'receiver:8082');
  const drainMs = r.int('INGRESS_DRAIN_MS', 10_000, { min: 0, max: 600_000 });
  const level = readLogLevel(r);
  r.done();
  const log = createLogger({ name: 'ingress', level });
  const { host, port } = parseAddr(upstream)!;
  const balancer = new Balancer({ upstreamHost: host, upstreamPort: port, log });
  const bound = await balancer.listen(addr.port, addr.host);
  log.info({ addr: `${bound.address}:${bound.port}`, upstream }, 'ingress listening');
  handleProcessSignals(log, () => balancer.close(drainMs));
});
