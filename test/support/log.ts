import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@solstice/shared';

/** A real pino logger whose lines a test can read back (parsed JSON). */
export function captureLogger(
  name = 'test',
  level = 'debug',
): { log: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const log = createLogger({ name, level, destination });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, text };
}
