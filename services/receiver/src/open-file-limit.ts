import { readFileSync } from 'node:fs';

/**
 * The soft limit on open files of this process (what `ulimit -n` shows; node raises it to the
 * hard limit at start), from Linux's /proc/self/limits; undefined elsewhere or when unlimited.
 */
export function openFileLimit(
  read: () => string = () => readFileSync('/proc/self/limits', 'utf8'),
): number | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
}
