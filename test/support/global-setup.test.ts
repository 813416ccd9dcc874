import { describe, expect, it } from 'vitest';
import { testcontainersFailure } from './global-setup.js';

describe('the one line when Testcontainers cannot start a server', () => {
  it('with no engine at all: start one or set REDIS_URL/AMQP_URL', () => {
    const line = testcontainersFailure(
      'redis:7.0',
      new Error('Could not find a working container runtime strategy'),
    );
    expect(line).not.toContain('\n');
    expect(line).toMatch(/start a Docker engine .* or set REDIS_URL and AMQP_URL/);
  });

  it('with an engine that cannot get the image: names it and the first line of the cause', () => {
    const line = testcontainersFailure(
      'rabbitmq:3.13-management',
      new Error(
        '(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": no such host\nmore',
      ),
    );
    expect(line).not.toContain('\n');
    expect(line).toContain(
      'could not start rabbitmq:3.13-management ((HTTP code 500) server error',
    );
    expect(line).toContain('set REDIS_URL and AMQP_URL');
  });
});
