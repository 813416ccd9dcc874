/** What to do with a verified delivery (DESIGN.md "Webhooks the receiver takes"). */
export type Classification = { take: true } | { take: false; status: 200 | 204; reason: string };

export interface ClassifyOptions {
  /** Take check_suite `requested` too (CHECK_SUITE_REQUESTED). */
  checkSuiteRequested: boolean;
}

const PULL_REQUEST_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);
const ALL_ZEROS = /^0+$/;

const take: Classification = { take: true };
const skip = (reason: string): Classification => ({ take: false, status: 204, reason });

/** Decides from the event name and the parsed payload whether a delivery becomes jobs. */
export function classifyEvent(
  event: string,
  payload: Record<string, unknown>,
  opts: ClassifyOptions,
): Classification {
  const action = typeof payload.action === 'string' ? payload.action : undefined;
  switch (event) {
    case 'ping':
      return { take: false, status: 200, reason: 'ping' };
    case 'push': {
      const after = typeof payload.after === 'string' ? payload.after : '';
      if (payload.deleted === true || ALL_ZEROS.test(after)) return skip('branch deletion');
      return take;
    }
    case 'pull_request':
      return action !== undefined && PULL_REQUEST_ACTIONS.has(action)
        ? take
        : skip(`pull_request action ${action ?? '(none)'} is not built`);
    case 'check_suite':
      if (action === 'rerequested' || (action === 'requested' && opts.checkSuiteRequested))
        return take;
      return skip(`check_suite action ${action ?? '(none)'} is not built`);
    case 'check_run':
      return action === 'rerequested'
        ? take
        : skip(`check_run action ${action ?? '(none)'} is not built`);
    default:
      return skip(`event ${event} is not built`);
  }
}
