import * as path from 'node:path';
import type { Config } from '../config.js';
import { parseDuration, parsePositiveInt } from '../cli/duration.js';
import { UsageError } from '../cli/errors.js';
import { AnswerCache, Limiter, OllamaClient, minPromptTokens, type LlmRuntime, type OllamaSettings } from '../extract/llm/index.js';
import type { QueueLogger } from '../queue/logger.js';
import { EXTRACTOR_CHOICES, type ExtractorChoice } from './extractor-choice.js';

export { EXTRACTOR_CHOICES, type ExtractorChoice } from './extractor-choice.js';

export interface LlmOptions {
  settings: OllamaSettings;
  /** LLM requests in flight per worker process (OLLAMA_CONCURRENCY). */
  concurrency: number;
  maxChunks: number;
  /** null: no cache (LLM_CACHE_DIR=off). Relative paths are taken from the working directory. */
  cacheDir: string | null;
}

/**
 * Defaults. 8192 tokens of context: a chunk of ~18k characters plus the prompt and answer,
 * and a KV cache a 3B model holds per parallel slot in about 1 GB; Ollama's own default
 * (4096 in recent versions, 2048 before) would cut sections in half.
 */
export const LLM_DEFAULTS = { numCtx: 8192, maxOutputTokens: 1024, keepAlive: '30m', timeoutMs: 180_000, attempts: 4, maxChunks: 8, concurrency: 1 } as const;

export function extractorChoice(text: string | undefined, where: string): ExtractorChoice | undefined {
  if (text === undefined) return undefined;
  const v = text.trim().toLowerCase();
  if ((EXTRACTOR_CHOICES as string[]).includes(v)) return v as ExtractorChoice;
  throw new UsageError(`${where}: "${text}" is not an extractor (auto, llm or rules)`);
}

function bool(text: string | undefined, where: string, dflt: boolean): boolean {
  if (text === undefined) return dflt;
  const v = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UsageError(`${where}: "${text}" is not true or false`);
}

/** The LLM settings from the environment (CONTRACT.md's OLLAMA_* and friends), checked once. */
export function llmOptions(config: Config, model = config.ollamaModel): LlmOptions {
  const l = config.llm;
  const numCtx = l.numCtx !== undefined ? parsePositiveInt(l.numCtx, 'OLLAMA_NUM_CTX') : LLM_DEFAULTS.numCtx;
  // The instructions (~1.1k tokens), the answer's room and a useful excerpt must fit.
  const least = Math.ceil((minPromptTokens() + LLM_DEFAULTS.maxOutputTokens + 1_000) / 512) * 512;
  if (numCtx < least) throw new UsageError(`OLLAMA_NUM_CTX: ${numCtx} leaves no room for a section of a filing (${least} at least; 8192 recommended)`);
  return {
    settings: {
      baseUrl: config.ollamaBaseUrl,
      model,
      numCtx,
      maxOutputTokens: LLM_DEFAULTS.maxOutputTokens,
      keepAlive: l.keepAlive ?? LLM_DEFAULTS.keepAlive,
      timeoutMs: l.timeout !== undefined ? parseDuration(l.timeout, 'OLLAMA_TIMEOUT') : LLM_DEFAULTS.timeoutMs,
      pull: bool(l.pull, 'OLLAMA_PULL', true),
      attempts: LLM_DEFAULTS.attempts,
    },
    concurrency: l.concurrency !== undefined ? parsePositiveInt(l.concurrency, 'OLLAMA_CONCURRENCY') : LLM_DEFAULTS.concurrency,
    maxChunks: l.maxChunks !== undefined ? parsePositiveInt(l.maxChunks, 'LLM_MAX_CHUNKS') : LLM_DEFAULTS.maxChunks,
    cacheDir: l.cacheDir.trim().toLowerCase() === 'off' ? null : path.resolve(l.cacheDir),
  };
}

/**
 * One runtime per model per process: jobs of one worker share its limiter (the per-worker
 * concurrency toward Ollama) and its cache. The model comes from the job, as the
 * coordinator wrote it, so a worker started with another OLLAMA_MODEL still runs the batch
 * the way it was decided.
 */
export function llmRuntimes(config: Config, log: QueueLogger): (model?: string) => LlmRuntime {
  const base = llmOptions(config);
  const limiter = new Limiter(base.concurrency);
  const cache = base.cacheDir !== null ? new AnswerCache(base.cacheDir) : null;
  const byModel = new Map<string, LlmRuntime>();
  return (model = base.settings.model) => {
    let rt = byModel.get(model);
    if (rt === undefined) {
      rt = { client: new OllamaClient({ ...base.settings, model }, limiter, log), cache, maxChunks: base.maxChunks };
      byModel.set(model, rt);
    }
    return rt;
  };
}
