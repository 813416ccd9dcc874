import net from 'node:net';
import { createLogger } from '@solstice/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { Balancer, rotation } from '../../src/ingress/balancer.js';

const log = createLogger({ name: 'ingress-test', level: 'silent' });

/** A copy of the upstream: answers every connection with its name and what it was sent. */
function copy(name: string, host: string, port = 0): Promise<net.Server> {
  const server = net.createServer((s) => s.on('data', (d) => s.end(`${name}:${d.toString()}`)));
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

async function ask(port: number, text: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.end(text);
  let got = '';
  try {
    for await (const chunk of socket) got += String(chunk);
  } catch (err) {
    return `closed (${(err as NodeJS.ErrnoException).code})`;
  }
  return got;
}

describe('ingress balancer', () => {
  const servers: net.Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('takes the addresses in turn, starting one further each time', () => {
    expect(rotation(['10.0.0.2', '10.0.0.1'], 0)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(rotation(['10.0.0.2', '10.0.0.1'], 1)).toEqual(['10.0.0.2', '10.0.0.1']);
    expect(rotation([], 3)).toEqual([]);
  });

  it('spreads connections over every copy the name resolves to, skipping one that refuses', async () => {
    const a = await copy('a', '127.0.0.1');
    const port = (a.address() as net.AddressInfo).port;
    const b = await copy('b', '127.0.0.2', port);
    servers.push(a, b);
    let addresses = ['127.0.0.1', '127.0.0.2'];
    const balancer = new Balancer({
      upstreamHost: 'receiver',
      upstreamPort: port,
      log,
      resolve: () => Promise.resolve(addresses),
    });
    const { port: front } = await balancer.listen(0, '127.0.0.1');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(front, `hello${i}`));
    expect(answers.sort()).toEqual(['a:hello0', 'a:hello2', 'b:hello1', 'b:hello3']);

    // A copy gone (nothing listens on 127.0.0.3): its turn goes to the next.
    addresses = ['127.0.0.1', '127.0.0.3'];
    const again = [];
    for (let i = 0; i < 4; i++) again.push(await ask(front, 'x'));
    expect(again).toEqual(['a:x', 'a:x', 'a:x', 'a:x']);

    // None accepts: the client's connection is closed (reset: its bytes were never read).
    addresses = ['127.0.0.3'];
    expect(['', 'closed (ECONNRESET)']).toContain(await ask(front, 'x'));
    await balancer.close(100);
  });
});
