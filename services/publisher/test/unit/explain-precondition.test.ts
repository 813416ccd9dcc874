import { describe, expect, it } from 'vitest';
import { explainPreconditionFailed } from '../../src/explain-precondition.js';
import type { JobsTopology } from '../../src/adapters/topology.js';

const topology: JobsTopology = {
  exchange: 'solstice.jobs',
  routingKey: 'jobrequest.v1',
  queue: 'solstice.jobs.v1',
  dlx: 'solstice.dlx',
  dlq: 'solstice.jobs.v1.dlq',
  queueType: 'classic',
};

// amqplib's messages for RabbitMQ's answers, as RabbitMQ 3.10 words them.
const refused = (detail: string) =>
  `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ${detail}"`;

describe('explaining a declare the broker refused', () => {
  it('names the queue, the argument, both values and AMQP_QUEUE_TYPE as the fix', () => {
    const line = explainPreconditionFailed(
      refused(
        "inequivalent arg 'x-queue-type' for queue 'solstice.jobs.v1' in vhost '/': received 'classic' but current is 'quorum'",
      ),
      topology,
    );
    expect(line).toBe(
      "AMQP queue 'solstice.jobs.v1' (AMQP_QUEUE) already exists with x-queue-type = quorum, " +
        'but the publisher declares it with x-queue-type = classic: set AMQP_QUEUE_TYPE=quorum ' +
        'to use the queue as it is, or delete the queue (rabbitmqctl delete_queue solstice.jobs.v1) ' +
        'so it is declared anew',
    );
    expect(line).not.toContain('\n');
  });

  it('reads the value forms "none" and "the value … of type …"', () => {
    const line = explainPreconditionFailed(
      refused(
        "inequivalent arg 'x-queue-type' for queue 'solstice.jobs.v1.dlq' in vhost '/': received the value 'quorum' of type 'longstr' but current is none",
      ),
      { ...topology, queueType: 'quorum' },
    );
    expect(line).toMatch(
      /^AMQP queue 'solstice\.jobs\.v1\.dlq' \(AMQP_DLQ\) already exists with x-queue-type = classic, but the publisher declares it with x-queue-type = quorum: set AMQP_QUEUE_TYPE=classic/,
    );
  });

  it('suggests AMQP_DLX when the queue dead-letters elsewhere', () => {
    const line = explainPreconditionFailed(
      refused(
        "inequivalent arg 'x-dead-letter-exchange' for queue 'solstice.jobs.v1' in vhost '/': received the value 'solstice.dlx' of type 'longstr' but current is the value 'other.dlx' of type 'longstr'",
      ),
      topology,
    );
    expect(line).toContain('x-dead-letter-exchange = other.dlx');
    expect(line).toContain('set AMQP_DLX=other.dlx to use the queue as it is');
  });

  it('names the setting of an exchange declared with another type', () => {
    const line = explainPreconditionFailed(
      refused(
        "inequivalent arg 'type' for exchange 'solstice.dlx' in vhost '/': received 'direct' but current is 'topic'",
      ),
      topology,
    );
    expect(line).toBe(
      "AMQP exchange 'solstice.dlx' (AMQP_DLX) already exists with type = topic, but the publisher " +
        'declares it with type = direct: set AMQP_DLX to another name, or delete the exchange ' +
        '(rabbitmqadmin delete exchange name=solstice.dlx) so it is declared anew',
    );
  });

  it('leaves other errors alone', () => {
    expect(explainPreconditionFailed('connect ECONNREFUSED 127.0.0.1:5672', topology)).toBe(
      undefined,
    );
    expect(
      explainPreconditionFailed(
        'Operation failed: QueueDeclare; 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED"',
        topology,
      ),
    ).toBe(undefined);
  });
});
