import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigReader, readAmqpSettings } from '@solstice/shared';
import { AmqpNodes } from '../../src/amqp/amqp-nodes.js';

describe('AMQP_URL with several nodes', () => {
  const read = (value: string) => {
    const r = new ConfigReader({ env: { AMQP_URL: value } });
    const { amqpUrl } = readAmqpSettings(r);
    try {
      r.done();
      return amqpUrl;
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('takes full URLs separated by commas, and names AMQP_URL for a bad one', () => {
    expect(read('amqp://a:5672/%2f, amqps://u:p@b/v')).toBe('amqp://a:5672/%2f, amqps://u:p@b/v');
    expect(read('amqp://a:5672/%2f,http://u:secret@b')).toEqual([
      "AMQP_URL: expected amqp:// or amqps:// URLs separated by commas, got 'http://u:***@b/'",
    ]);
  });

  it('gives amqplib the current node, and the next one after next()', () => {
    const nodes = new AmqpNodes(['amqp://u:p%40ss@a:5673/%2f', 'amqps://b/jobs?heartbeat=3'], 10);
    const view = nodes.options();
    expect(view).toMatchObject({
      protocol: 'amqp',
      hostname: 'a',
      port: 5673,
      username: 'u',
      password: 'p@ss',
      vhost: '%2f',
      heartbeat: 10,
    });
    nodes.next();
    expect(view).toMatchObject({ protocol: 'amqps', hostname: 'b', port: 5671, vhost: 'jobs' });
    expect(view).toMatchObject({ username: 'guest', password: 'guest', heartbeat: 3 });
    nodes.next();
    expect(nodes.current).toBe('amqp://u:p%40ss@a:5673/%2f');
  });
});
