import { eventVerdict, type EventRules } from '@solstice/shared';

/** What to do with a verified delivery: store it, or answer 200 (a ping) / 204 without it. */
export type Classification = { take: true } | { take: false; status: 200 | 204; reason: string };

/** The shared event table (eventVerdict) as the receiver answers it. */
export function classifyEvent(
  event: string,
  payload: Record<string, unknown>,
  rules: EventRules,
): Classification {
  const verdict = eventVerdict(event, payload, rules);
  if (verdict.kind === 'build') return { take: true };
  if (verdict.kind === 'ping') return { take: false, status: 200, reason: 'ping' };
  return { take: false, status: 204, reason: verdict.reason };
}
