import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/format-log-line.js';

const pino = (o: Record<string, unknown>) =>
  JSON.stringify({
    level: 30,
    time: '2025-01-02T03:04:05.678Z',
    pid: 123,
    hostname: 'box',
    name: 'receiver',
    stage: 'receiver',
    ...o,
  });

describe('formatLogLine', () => {
  it('renders a pino line as time, level, message and its fields', () => {
    expect(formatLogLine(pino({ msg: 'delivery stored', delivery: 'abc', status: 202 }))).toEqual({
      text: '03:04:05.678 INFO  delivery stored delivery=abc status=202',
      level: 'INFO',
    });
  });

  it('names the level of warnings and errors, and shows an error by its message', () => {
    const line = pino({
      level: 50,
      msg: 'stage loop failed',
      err: { type: 'Error', message: 'NOGROUP x', stack: 'Error…' },
    });
    expect(formatLogLine(line)).toEqual({
      text: '03:04:05.678 ERROR stage loop failed err="NOGROUP x"',
      level: 'ERROR',
    });
    expect(formatLogLine(pino({ level: 40, msg: 'w' })).text).toBe('03:04:05.678 WARN  w');
  });

  it('quotes strings with spaces, shortens long values and shows only the first fields', () => {
    const text = formatLogLine(
      pino({
        msg: 'm',
        a: 'two words',
        b: 'x'.repeat(200),
        c: { nested: true },
        d: 1,
        e: 2,
        f: 3,
        g: 4,
      }),
    ).text;
    expect(text).toBe(
      `03:04:05.678 INFO  m a="two words" b=${'x'.repeat(79)}… c={"nested":true} d=1 e=2 f=3 …`,
    );
  });

  it('passes any other line through unchanged', () => {
    for (const line of [
      'receiver: configuration error: HTTP_ADDR: expected host:port',
      '{not json',
      '[1,2]',
      '{"some":"object that is not a log record"}',
      '',
    ])
      expect(formatLogLine(line)).toEqual({ text: line, level: undefined });
  });
});
