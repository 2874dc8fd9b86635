import type { Submission } from '../../edgar/index.js';
import type { QueueLogger } from '../../queue/logger.js';
import { normalizeCompanyName } from '../normalize.js';
import { AnswerCache, type CachedAnswer } from './cache.js';
import type { OllamaClient } from './client.js';
import { PROMPT_FINGERPRINT, PROMPT_VERSION, SYSTEM_PROMPT, estimateTokens, userMessage } from './prompt.js';
import type { ExtractionAnswer } from './schema.js';
import { chunkFiling, type Chunk } from './sections.js';
import { addTally, checkAnswer, newTally, type Tally } from './validate.js';

export { addLlmFacts } from './facts-to-graph.js';
export { AnswerCache } from './cache.js';
export { OllamaClient, probeOllama, pullModel, type OllamaSettings, type PullProgress } from './client.js';
export { LlmPermanentError, LlmUnavailableError } from './errors.js';
export { Limiter } from './limiter.js';
export { formWantsLlm, isLlmDocument } from './sections.js';
export { tokensPerSecond } from './rate.js';

export interface LlmRuntime {
  client: OllamaClient;
  cache: AnswerCache | null;
  /** At most this many chunks (LLM calls) per filing. */
  maxChunks: number;
}

/** What one filing's LLM pass cost and kept; stored in the job's result and summed by `status`. */
export interface LlmAccount extends Tally {
  model: string;
  promptVersion: string;
  chunks: number;
  /** Requests sent to Ollama (cache misses). */
  calls: number;
  cached: number;
  /** Answers that were not a JSON object at all (counted in `dropped` too). */
  unreadableAnswers: number;
  /** Chunks that name people with officer titles, for which the model listed nobody. */
  emptyButNamesPeople: number;
  /** The sections those were, so a user can look. */
  suspicious: string[];
  /** Paragraphs not sent because they read as instructions to a model. */
  instructionsRemoved: number;
  promptTokens: number;
  outputTokens: number;
  evalMs: number;
}

/**
 * The LLM's pass over one filing: cut the sections that can hold the facts, ask the model
 * (or the cache) about each, check every answer. Returns checked answers; the caller adds
 * them to the rules' graph.
 */
export async function llmFacts(sub: Submission, rt: LlmRuntime, signal: AbortSignal, log: QueueLogger): Promise<{ answers: ExtractionAnswer[]; account: LlmAccount }> {
  const { settings } = rt.client;
  const promptBudget = estimateTokens(SYSTEM_PROMPT) + 200;
  const maxChars = Math.max(1_000, (settings.numCtx - settings.maxOutputTokens - promptBudget) * 3);
  const chunks = chunkFiling(sub, { maxChars, maxChunks: rt.maxChunks });
  const account: LlmAccount = {
    model: settings.model,
    promptVersion: PROMPT_VERSION,
    chunks: chunks.length,
    calls: 0,
    cached: 0,
    unreadableAnswers: 0,
    emptyButNamesPeople: 0,
    suspicious: [],
    instructionsRemoved: chunks.reduce((n, c) => n + c.instructionsRemoved, 0),
    promptTokens: 0,
    outputTokens: 0,
    evalMs: 0,
    ...newTally(),
  };
  const registrant = sub.entities.find((e) => e.role === 'FILER')?.data.name ?? sub.entities[0]?.data.name ?? 'unknown';
  const registrantKeys = new Set<string>();
  for (const e of sub.entities) {
    if (e.data.name) registrantKeys.add(normalizeCompanyName(e.data.name));
    for (const f of e.formerNames) registrantKeys.add(normalizeCompanyName(f.name));
  }
  if (account.instructionsRemoved > 0) log.warn({ accession: sub.accession, paragraphs: account.instructionsRemoved }, 'paragraphs that read as instructions to a model were not sent to it');
  const results = await Promise.all(
    chunks.map(async (chunk) => {
      const got = await answerFor(chunk, { registrant, formType: sub.formType, ...(sub.filedAt ? { filedAt: sub.filedAt } : {}) }, rt, signal);
      if (got.fromCache) account.cached++;
      else {
        account.calls++;
        account.promptTokens += got.answer.promptTokens;
        account.outputTokens += got.answer.outputTokens;
        account.evalMs += got.answer.evalMs;
      }
      const checked = checkAnswer(got.answer.content, { text: chunk.text, registrantKeys, normalizeCompany: normalizeCompanyName });
      addTally(account, checked.tally);
      if (checked.unreadable) account.unreadableAnswers++;
      if (chunk.namesPeople && checked.answer.people.length === 0) {
        account.emptyButNamesPeople++;
        account.suspicious.push(`${chunk.documentType} ${chunk.section}`);
        log.warn({ accession: sub.accession, section: chunk.section, unreadable: checked.unreadable }, 'the model listed no one for a section that names officers');
      }
      return checked.answer;
    }),
  );
  account.evalMs = Math.round(account.evalMs);
  return { answers: results, account };
}

async function answerFor(
  chunk: Chunk,
  ctx: { registrant: string; formType: string; filedAt?: string },
  rt: LlmRuntime,
  signal: AbortSignal,
): Promise<{ answer: CachedAnswer; fromCache: boolean }> {
  const { settings } = rt.client;
  const key = AnswerCache.key({ documentHash: chunk.documentHash, chunkHash: chunk.hash, model: settings.model, prompt: PROMPT_FINGERPRINT, numCtx: settings.numCtx });
  const hit = rt.cache?.get(key);
  if (hit !== undefined) return { answer: hit, fromCache: true };
  const res = await rt.client.chat(SYSTEM_PROMPT, userMessage({ ...ctx, section: chunk.section }, chunk.text), signal);
  const answer: CachedAnswer = { model: settings.model, promptVersion: PROMPT_VERSION, ...res, at: new Date().toISOString() };
  rt.cache?.put(key, answer);
  return { answer, fromCache: false };
}
