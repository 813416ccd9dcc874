import type { JobsTopology } from './adapters/topology.js';

// RabbitMQ's answer to a declare whose arguments differ from the existing queue or exchange:
// 406 PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/':
// received 'classic' but current is 'quorum'
const INEQUIVALENT =
  /inequivalent arg '([^']+)' for (queue|exchange) '([^']*)' in vhost '[^']*': received (.+?) but current is (.+?)"?$/;

/** `'classic'`, `none`, `the value 'quorum' of type 'longstr'` → classic, none, quorum */
function valueOf(text: string): string {
  return /^the value '(.*)' of type '[^']*'$/.exec(text)?.[1] ?? /^'(.*)'$/.exec(text)?.[1] ?? text;
}

function settingFor(kind: string, resource: string, t: JobsTopology): string {
  if (kind === 'queue') return resource === t.dlq ? 'AMQP_DLQ' : 'AMQP_QUEUE';
  return resource === t.dlx ? 'AMQP_DLX' : 'AMQP_EXCHANGE';
}

/**
 * One line saying which queue or exchange already exists with which other argument, and how
 * to fix it; undefined when the broker's message is not such a refusal.
 */
export function explainPreconditionFailed(message: string, t: JobsTopology): string | undefined {
  const m = INEQUIVALENT.exec(message);
  if (!m) return undefined;
  const [, arg, kind, resource, receivedText, currentText] = m as unknown as string[];
  const wanted = valueOf(receivedText!);
  // A queue declared without a type is a classic queue.
  const current =
    arg === 'x-queue-type' && valueOf(currentText!) === 'none' ? 'classic' : valueOf(currentText!);
  const setting = settingFor(kind!, resource!, t);
  // rabbitmqctl deletes queues only; an exchange goes with rabbitmqadmin or the management UI.
  const how =
    kind === 'queue'
      ? `rabbitmqctl delete_queue ${resource}`
      : `rabbitmqadmin delete exchange name=${resource}`;
  const remove = `or delete the ${kind} (${how}) so it is declared anew`;
  let fix: string;
  if (arg === 'x-queue-type' && (current === 'classic' || current === 'quorum')) {
    fix = `set AMQP_QUEUE_TYPE=${current} to use the ${kind} as it is, ${remove}`;
  } else if (arg === 'x-dead-letter-exchange' && current !== 'none') {
    fix = `set AMQP_DLX=${current} to use the queue as it is, ${remove}`;
  } else {
    fix = `set ${setting} to another name, ${remove}`;
  }
  return (
    `AMQP ${kind} '${resource}' (${setting}) already exists with ${arg} = ${current}, ` +
    `but the publisher declares it with ${arg} = ${wanted}: ${fix}`
  );
}
