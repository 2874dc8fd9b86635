import * as path from 'node:path';
import { AnswerCache, Limiter, OllamaClient, type LlmRuntime, type OllamaSettings } from '../../../src/extract/llm/index.js';
import { silentLogger } from '../../../src/queue/logger.js';
import { ROOT, SHARED, tempDir } from '../../helpers.js';

export const MODEL = 'qwen2.5:3b-instruct';
/** A fictitious 10-K of the committed demo set whose prose names officers and directors. */
export const DEMO_10K = path.join(ROOT, 'data/filings/edgar/data/9091336634/9999999999-10-242546.txt');
export const AMAZON_10K = path.join(SHARED, 'edgar-samples/filings/0001193125-09-014406.txt');
export const APPLE_10K_1994 = path.join(SHARED, 'edgar-samples/filings/0000320193-94-000016.txt');
export const NETFLIX_10K = path.join(SHARED, 'edgar-samples/filings/0001193125-09-037430.txt');
export const FORM4 = path.join(SHARED, 'edgar-samples/filings/0001127602-25-001055.txt');

export function settings(baseUrl: string, over: Partial<OllamaSettings> = {}): OllamaSettings {
  return { baseUrl, model: MODEL, numCtx: 8192, maxOutputTokens: 1024, keepAlive: '5m', timeoutMs: 10_000, pull: true, attempts: 3, ...over };
}

/** Retries without the production pauses: the policy is the client's, the waiting is not what is tested. */
export const FAST_RETRY = { baseMs: 5, maxMs: 20, jitter: 0 };

export function client(baseUrl: string, over: Partial<OllamaSettings> = {}, concurrency = 1): OllamaClient {
  return new OllamaClient(settings(baseUrl, over), new Limiter(concurrency), silentLogger, FAST_RETRY);
}

export function runtime(baseUrl: string, over: Partial<OllamaSettings> = {}, opts: { cache?: boolean; concurrency?: number } = {}): LlmRuntime & { cacheDir: string } {
  const cacheDir = path.join(tempDir('edgar-llm-cache-'), 'cache');
  return {
    client: client(baseUrl, over, opts.concurrency ?? 1),
    cache: opts.cache === false ? null : new AnswerCache(cacheDir),
    maxChunks: 8,
    cacheDir,
  };
}
