// What tests, benches and the demo need to run the pipeline on this machine (dev only: the
// image holds none of it).
export {
  Pipeline,
  STAGES,
  type PipelineOptions,
  type PipelineNames,
  type ProgramName,
  type StageName,
} from './pipeline.js';
export { deleteKeys } from './delete-keys.js';
export { SAMPLE_JOBS, SAMPLE_WORKFLOW } from '../sample-workflow.js';
export { freePort } from './free-port.js';
export { holdConnection, requestHead, type Answer, type HeldConnection } from './slow-clients.js';
export { readServers, type Servers } from './read-servers.js';
export { waitForOk } from './wait-for-ok.js';
export { example, examplesOf, pushExample, type Payload } from './webhook-examples.js';
export { sampleEnvelope, type SampleEnvelopeOptions } from './sample-envelope.js';
export { ReporterFeed, resultFor } from './reporter-feed.js';
export { writeGaps, type WriteGaps } from './write-gaps.js';
