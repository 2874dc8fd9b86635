import type { FilingJobOptions } from './filing-job.js';

/**
 * Decided once, by whoever queues the work, and written into every job. Only the rule
 * extractor exists so far; when AI is asked for, say plainly that rules are used rather
 * than pretend (the LLM extractor and its Ollama check come with issue 5).
 */
export function decideExtractor(aiFlag: boolean | undefined, useAiEnv: boolean, warn: (line: string) => void): FilingJobOptions['extractor'] {
  const wantsAi = aiFlag !== false && useAiEnv;
  if (wantsAi) warn('edgar: LLM extraction is not available in this version; extracting with rules (pass --no-ai or set USE_AI_EXTRACTION=false to silence this)');
  return 'rules';
}
