import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnswerCache, Limiter, OllamaClient, probeOllama } from '../../../src/extract/llm/index.js';
import { extractFiling } from '../../../src/pipeline/extract-filing.js';
import { silentLogger } from '../../../src/queue/logger.js';
import { tempDir } from '../../helpers.js';
import { DEMO_10K, MODEL } from './helpers.js';

/**
 * Against a real Ollama: runs only when OLLAMA_BASE_URL is set (e.g.
 * OLLAMA_BASE_URL=http://localhost:11434 npx vitest run test/extract/llm/real-ollama.test.ts),
 * with OLLAMA_MODEL if the model is not the default. It checks what the stand-in cannot
 * vouch for: that the real server accepts our request (format schema, options), that the
 * model's answers validate, and that it finds officers a 10-K names.
 */
const url = process.env.OLLAMA_BASE_URL;
const model = process.env.OLLAMA_MODEL || MODEL;

describe.skipIf(!url)(`a real Ollama at ${url ?? '(OLLAMA_BASE_URL not set: skipped)'}`, () => {
  it('answers our requests with schema-valid JSON, finds the officers the filing names, and a re-run is served from the cache', async () => {
    const probe = await probeOllama(url!, model, 10_000);
    expect(probe.reachable, probe.detail).toBe(true);
    const client = new OllamaClient(
      { baseUrl: url!, model, numCtx: 8192, maxOutputTokens: 1024, keepAlive: '5m', timeoutMs: 600_000, pull: true, attempts: 2 },
      new Limiter(1),
      silentLogger,
    );
    const rt = { client, cache: new AnswerCache(tempDir('edgar-real-ollama-')), maxChunks: 4 };
    const res = await extractFiling(DEMO_10K, { extractor: 'llm', model }, { llm: () => rt, signal: new AbortController().signal, log: silentLogger });
    expect(res.llm!.calls).toBeGreaterThan(0);
    expect(res.llm!.unreadableAnswers).toBe(0);
    expect(res.llm!.outputTokens).toBeGreaterThan(0);
    const officers = res.fragment.relationships.filter((r) => r.type === 'OFFICER_OF');
    expect(officers.length).toBeGreaterThan(0);
    const text = fs.readFileSync(DEMO_10K, 'utf8');
    for (const p of res.fragment.nodes.filter((n) => n.label === 'Person')) expect(text).toContain(String(p.props.name));
    const again = await extractFiling(DEMO_10K, { extractor: 'llm', model }, { llm: () => rt, signal: new AbortController().signal, log: silentLogger });
    expect(again.llm!.calls).toBe(0);
    expect(again.fragment).toEqual(res.fragment);
  }, 900_000);
});
