/**
 * What a delivery asks for, by the table of DESIGN.md "Webhooks the receiver takes": the
 * receiver answers by it (build: store, ping: 200, skip: 204) and the expander builds by it.
 */
export type EventVerdict = { kind: 'build' } | { kind: 'ping' } | { kind: 'skip'; reason: string };

export interface EventRules {
  /** Build check_suite `requested` too (CHECK_SUITE_REQUESTED; GitHub sends it on every push). */
  checkSuiteRequested: boolean;
}

const PULL_REQUEST_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);
const ALL_ZEROS = /^0+$/;

const build: EventVerdict = { kind: 'build' };
const skip = (reason: string): EventVerdict => ({ kind: 'skip', reason });
const notBuilt = (event: string, action: string | undefined) =>
  skip(`${event} action ${action ?? '(none)'} is not built`);

/** Which events and actions build, from the event name and the parsed payload. */
export function eventVerdict(
  event: string,
  payload: Record<string, unknown>,
  rules: EventRules,
): EventVerdict {
  const action = typeof payload.action === 'string' ? payload.action : undefined;
  switch (event) {
    case 'ping':
      return { kind: 'ping' };
    case 'push': {
      const after = typeof payload.after === 'string' ? payload.after : '';
      if (payload.deleted === true || ALL_ZEROS.test(after)) return skip('branch deletion');
      return build;
    }
    case 'pull_request':
      return action !== undefined && PULL_REQUEST_ACTIONS.has(action)
        ? build
        : notBuilt(event, action);
    case 'check_suite':
      return action === 'rerequested' || (action === 'requested' && rules.checkSuiteRequested)
        ? build
        : notBuilt(event, action);
    case 'check_run':
      // GitHub resets the suite on a re-run but not the run: the job is built again.
      // requested_action: a button of ours was clicked ("Approve and run" on a fork PR).
      return action === 'rerequested' || action === 'requested_action'
        ? build
        : notBuilt(event, action);
    default:
      return skip(`event ${event} is not built`);
  }
}
