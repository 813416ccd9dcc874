import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/check-reachable.js';
import { restartDelayMs } from '../../src/restart-policy.js';

describe('restartDelayMs', () => {
  it('doubles from one second for each restart in a row, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});

describe('endpointOf', () => {
  it("takes host and port of a Redis or AMQP URL, with the scheme's default port", () => {
    expect(endpointOf('redis://127.0.0.1:6390')).toEqual({ host: '127.0.0.1', port: 6390 });
    expect(endpointOf('redis://:pw@cache.internal')).toEqual({
      host: 'cache.internal',
      port: 6379,
    });
    expect(endpointOf('amqp://guest:guest@localhost/%2f')).toEqual({
      host: 'localhost',
      port: 5672,
    });
    expect(endpointOf('amqps://mq.example')).toEqual({ host: 'mq.example', port: 5671 });
    expect(endpointOf('amqp://[::1]:5673')).toEqual({ host: '::1', port: 5673 });
  });

  it('refuses what is not such a URL', () => {
    expect(endpointOf('127.0.0.1:6379')).toBeUndefined();
    expect(endpointOf('http://127.0.0.1:6379')).toBeUndefined();
    expect(endpointOf('not a url')).toBeUndefined();
  });
});
