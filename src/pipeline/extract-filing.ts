import { parseSubmissionFile, type DocumentMeta, type Submission } from '../edgar/index.js';
import { addLlmFacts, isLlmDocument, llmFacts, type LlmAccount, type LlmRuntime } from '../extract/llm/index.js';
import { extractRules, keepTextForRules } from '../extract/rules.js';
import type { GraphFragment } from '../graph/fragment.js';
import type { QueueLogger } from '../queue/logger.js';
import type { FilingJobOptions } from './filing-job.js';

export interface ExtractDeps {
  /** The LLM runtime for a model (the process's OLLAMA_MODEL when none is named); required for llm. */
  llm?: (model?: string) => LlmRuntime;
  signal: AbortSignal;
  log: QueueLogger;
}

export interface Extraction {
  sub: Submission;
  fragment: GraphFragment;
  llm?: LlmAccount;
  parseMs: number;
  extractMs: number;
}

const keepForLlm = (meta: DocumentMeta): boolean => keepTextForRules(meta) || isLlmDocument(meta);

/**
 * One filing to one fragment, the way a job does it and `edgar extract` shows it: the
 * rules always (the header is theirs), and with the llm extractor the prose sections too.
 * Parse errors are the caller's to classify.
 */
export async function extractFiling(file: string, options: FilingJobOptions, deps: ExtractDeps): Promise<Extraction> {
  const t0 = performance.now();
  const useLlm = options.extractor === 'llm';
  const sub = await parseSubmissionFile(file, { keepText: useLlm ? keepForLlm : keepTextForRules, signal: deps.signal });
  const t1 = performance.now();
  if (!useLlm) return { sub, fragment: extractRules(sub), parseMs: t1 - t0, extractMs: performance.now() - t1 };
  if (deps.llm === undefined) throw new Error('the llm extractor needs an LLM runtime');
  const rt = deps.llm(options.model);
  const { answers, account } = await llmFacts(sub, rt, deps.signal, deps.log);
  const fragment = extractRules(sub, (graph, registrant) => {
    for (const answer of answers) addLlmFacts(graph, registrant, answer, rt.client.settings.model);
  });
  return { sub, fragment, llm: account, parseMs: t1 - t0, extractMs: performance.now() - t1 };
}
