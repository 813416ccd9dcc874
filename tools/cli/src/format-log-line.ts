const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

// Said by the prefix already, or noise on a terminal.
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'stage', 'msg', 'v']);
const MAX_FIELDS = 6;
const MAX_VALUE = 80;

export interface FormattedLine {
  text: string;
  /** WARN, ERROR… for colouring; undefined for a line that was not a pino record. */
  level: string | undefined;
}

function shortValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  else if (value !== null && typeof value === 'object' && 'message' in value)
    text = JSON.stringify(value.message); // a serialized error
  else text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function clock(time: unknown): string {
  const date =
    typeof time === 'number' ? new Date(time) : typeof time === 'string' ? new Date(time) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(11, 23) : '';
}

/**
 * A pino JSON line made short for a terminal: `12:00:01.234 INFO  msg key=value …` with the
 * first few fields; any other line is passed through unchanged.
 */
export function formatLogLine(line: string): FormattedLine {
  if (!line.startsWith('{')) return { text: line, level: undefined };
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return { text: line, level: undefined };
    record = parsed as Record<string, unknown>;
  } catch {
    return { text: line, level: undefined };
  }
  if (!('msg' in record) && !('level' in record)) return { text: line, level: undefined };
  const level =
    typeof record.level === 'number'
      ? (LEVELS[record.level] ?? String(record.level))
      : // eslint-disable-next-line @typescript-eslint/no-base-to-string -- any JSON value, shown as it is
        String(record.level ?? '').toUpperCase();
  const fields = Object.entries(record).filter(([k]) => !HIDDEN.has(k));
  const shown = fields.slice(0, MAX_FIELDS).map(([k, v]) => `${k}=${shortValue(v)}`);
  if (fields.length > MAX_FIELDS) shown.push('…');
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- any JSON value, shown as it is
  const parts = [clock(record.time), level.padEnd(5), String(record.msg ?? ''), ...shown];
  return { text: parts.filter((p) => p !== '').join(' '), level };
}
