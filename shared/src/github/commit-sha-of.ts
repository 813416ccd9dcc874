import { showValue } from './show-value.js';

// A git object id: SHA-1 (40 hex digits) or, in a SHA-256 repository, 64.
// https://git-scm.com/docs/hash-function-transition
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** The commit id at `field` of a payload, lower-cased, or why it is not one (naming the field). */
export function commitShaOf(value: unknown, field: string): { sha: string } | { problem: string } {
  if (value === undefined || value === null || value === '')
    return { problem: `${field} is missing (a commit id: 40 or 64 hex digits)` };
  if (typeof value !== 'string' || !SHA.test(value))
    return { problem: `${field} ${showValue(value)} is not a commit id (40 or 64 hex digits)` };
  return { sha: value.toLowerCase() };
}
