import { HttpError } from '@solstice/shared';
import type { Outcome } from './receiver-metrics.js';

/**
 * A refusal made without reading (the rest of) the body: it is answered with
 * `Connection: close`, so node closes the connection after the answer instead of taking in
 * bytes nobody will use.
 */
export class EarlyRefusal extends HttpError {
  override name = 'EarlyRefusal';
  constructor(
    status: number,
    message: string,
    readonly details: {
      /** For the delivery's log line. */
      reason?: string;
      /** The metric outcome, when the status alone does not tell it. */
      outcome?: Outcome;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(status, message);
  }
}
