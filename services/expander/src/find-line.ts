/**
 * The 1-based number of the first line at or after line `from` that matches `pattern`,
 * comment lines skipped; undefined when none does. kdljs gives nodes no position, so a node
 * that the parser accepted but the workflow cannot use is found again by its text.
 */
export function findLine(text: string, pattern: RegExp, from = 1): number | undefined {
  // eslint-disable-next-line no-control-regex -- KDL's newlines include VT and FF (\u000b, \u000c)
  const lines = text.split(/\r\n|[\n\r\u0085\u000b\u000c\u2028\u2029]/);
  for (let i = Math.max(from, 1) - 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/^\s*\/\//.test(line) && pattern.test(line)) return i + 1;
  }
  return undefined;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A line holding the node `name` (at its start, or after `{` or `;`) followed by `then`. */
export function nodePattern(name: string, then = ''): RegExp {
  return new RegExp(`(?:^|[{;])\\s*(?:/-\\s*)?${escape(name)}(?=[\\s;{}]|$)${then}`);
}

/** A line holding the node `name` with the property `key`. */
export function propertyPattern(name: string, key: string): RegExp {
  return nodePattern(name, `[^;{}]*\\s${escape(key)}\\s*=`);
}

/** A line holding the job node with the id `id` (first argument, or `id=`). */
export function jobPattern(id: string): RegExp {
  const quoted = escape(JSON.stringify(id));
  return nodePattern('job', `[^;{]*?\\s(?:id\\s*=\\s*)?(?:${quoted}|${escape(id)}(?=[\\s;{}]|$))`);
}
