import { randomBytes } from 'node:crypto';

// The one JobRequest envelope factory: the stand-in's harness holds it because the benches
// fill streams with it too.
export {
  sampleEnvelope as jobEnvelope,
  type SampleEnvelopeOptions as JobEnvelopeOptions,
} from '@solstice/github-standin/harness';

/** A new random commit sha. */
export const newSha = (): string => randomBytes(20).toString('hex');
