import type { Submission } from '../../edgar/index.js';
import type { QueueLogger } from '../../queue/logger.js';
import { normalizeCompanyName } from '../normalize.js';
import { AnswerCache, type CachedAnswer } from './cache.js';
import type { OllamaClient } from './client.js';
import { CHARS_PER_TOKEN, PROMPT_VERSION, SYSTEM_PROMPT, estimateTokens, userMessage } from './prompt.js';
import type { ExtractionAnswer } from './schema.js';
import { chunkFiling, type Chunk } from './sections.js';
import { addTally, checkAnswer, newTally, type Tally } from './validate.js';

export { addLlmFacts } from './facts-to-graph.js';
export { AnswerCache } from './cache.js';
export { OllamaClient, probeOllama, pullModel, type OllamaSettings, type PullProgress } from './client.js';
export { LlmPermanentError, LlmUnavailableError } from './errors.js';
export { Limiter } from './limiter.js';
export { chunkFiling, formWantsLlm, isLlmDocument } from './sections.js';
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
  /** Sections found but not sent: the filing reached LLM_MAX_CHUNKS. */
  sectionsSkipped: string[];
  /** Answers cut short by the output limit (done_reason "length"). */
  truncatedAnswers: number;
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
  const plan = chunkFiling(sub, { maxChars: chunkChars(settings.numCtx, settings.maxOutputTokens), maxChunks: rt.maxChunks });
  const { chunks } = plan;
  const account: LlmAccount = {
    model: settings.model,
    promptVersion: PROMPT_VERSION,
    chunks: chunks.length,
    calls: 0,
    cached: 0,
    unreadableAnswers: 0,
    truncatedAnswers: 0,
    emptyButNamesPeople: 0,
    suspicious: [],
    sectionsSkipped: plan.skipped,
    instructionsRemoved: plan.instructionsRemoved,
    promptTokens: 0,
    outputTokens: 0,
    evalMs: 0,
    ...newTally(),
  };
  // The registrant is who filed: its own names are not facts about it. A SUBJECT COMPANY
  // (the target of a tender offer, say) may well be what the registrant acquires.
  const filers = sub.entities.filter((e) => e.role === 'FILER');
  const registrant = filers[0]?.data.name ?? sub.entities[0]?.data.name ?? 'unknown';
  const registrantKeys = new Set<string>();
  for (const e of filers) {
    if (e.data.name) registrantKeys.add(normalizeCompanyName(e.data.name));
    for (const f of e.formerNames) registrantKeys.add(normalizeCompanyName(f.name));
  }
  // Exhibit 21 is the registrant's own list, read exactly by the rules: the model's
  // subsidiaries would only add worse spellings of it.
  const hasEx21 = sub.documents.some((d) => d.type.toUpperCase().startsWith('EX-21'));
  const excluded = { subsidiaries: 'Exhibit 21 lists them' };
  if (plan.instructionsRemoved > 0) log.warn({ accession: sub.accession, paragraphs: plan.instructionsRemoved }, 'paragraphs that read as instructions to a model were not sent to it');
  if (plan.skipped.length > 0) log.info({ accession: sub.accession, skipped: plan.skipped, maxChunks: rt.maxChunks }, 'sections not sent: the filing reached LLM_MAX_CHUNKS');
  // One chunk failing fails the job: the others stop at once instead of holding the
  // process's LLM slots for a result nobody will use.
  const local = new AbortController();
  const onAbort = (): void => local.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const answers = await Promise.all(
      chunks.map(async (chunk) => {
        let got;
        try {
          got = await answerFor(chunk, { registrant, formType: sub.formType, ...(sub.filedAt ? { filedAt: sub.filedAt } : {}) }, rt, local.signal, log);
        } catch (err) {
          local.abort(err);
          throw err;
        }
        if (got.fromCache) account.cached++;
        else {
          account.calls++;
          account.promptTokens += got.answer.promptTokens;
          account.outputTokens += got.answer.outputTokens;
          account.evalMs += got.answer.evalMs;
        }
        if (got.answer.truncated) account.truncatedAnswers++;
        const checked = checkAnswer(got.answer.content, { text: chunk.text, registrantKeys, normalizeCompany: normalizeCompanyName, ...(hasEx21 ? { excluded } : {}) });
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
    return { answers, account };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The largest chunk, in characters, that leaves the instructions and the answer room in num_ctx. */
export function chunkChars(numCtx: number, maxOutputTokens: number): number {
  return (numCtx - maxOutputTokens - minPromptTokens()) * CHARS_PER_TOKEN;
}

/** The instructions and the message's framing, in estimated tokens. */
export function minPromptTokens(): number {
  return estimateTokens(SYSTEM_PROMPT) + 200;
}

let cacheWarned = false;

async function answerFor(
  chunk: Chunk,
  ctx: { registrant: string; formType: string; filedAt?: string },
  rt: LlmRuntime,
  signal: AbortSignal,
  log: QueueLogger,
): Promise<{ answer: CachedAnswer; fromCache: boolean }> {
  const { client } = rt;
  const user = userMessage({ ...ctx, section: chunk.section }, chunk.text);
  const key = AnswerCache.key({ documentHash: chunk.documentHash, request: client.fingerprint(SYSTEM_PROMPT, user) });
  const hit = rt.cache?.get(key);
  if (hit !== undefined) return { answer: hit, fromCache: true };
  const res = await client.chat(SYSTEM_PROMPT, user, signal);
  const answer: CachedAnswer = { model: client.settings.model, promptVersion: PROMPT_VERSION, ...res, at: new Date().toISOString() };
  // An answer cut short or unreadable is not kept: the next run asks again (perhaps with a
  // larger OLLAMA_NUM_CTX or another model) instead of replaying the failure forever.
  if (rt.cache && !res.truncated && isJsonObject(res.content)) {
    const err = rt.cache.put(key, answer);
    if (err && !cacheWarned) {
      cacheWarned = true;
      log.warn({ dir: rt.cache.dir, err: err.message }, 'cannot write the LLM answer cache; answers will not be reused');
    }
  }
  return { answer, fromCache: false };
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
