import { showValue } from '@solstice/shared';

/** `text` cut to `max` characters. */
export function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A value from the file, quoted and cut short, safe to put in a message. */
export const show = (value: unknown): string => showValue(value, 40);
