export {
  generateSamples,
  sampleFilings,
  validateSampleOptions,
  MAX_COUNT,
  MAX_YEAR,
  MIN_YEAR,
  SAMPLE_FILER_AGENT,
  type ExpectedFiling,
  type ExpectedParty,
  type SampleFiling,
  type SampleOptions,
} from './generate.js';
export { writeSamples, type WriteSummary } from './write.js';
