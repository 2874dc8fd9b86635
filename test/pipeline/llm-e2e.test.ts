import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, ROOT, edgar, tempDir, until, waitExit } from '../helpers.js';
import { startOllamaStandin, type OllamaStandin } from '../support/ollama-standin.mjs';

const MODEL = 'qwen2.5:3b-instruct';
const FILINGS = path.join(ROOT, 'data', 'filings');

function setup(ollamaUrl: string): Record<string, string> {
  const root = tempDir('edgar-llm-e2e-');
  return {
    QUEUE_DIR: path.join(root, 'queue'),
    GRAPH_DIR: path.join(root, 'graph'),
    LLM_CACHE_DIR: path.join(root, 'llm-cache'),
    FILINGS_DIR: FILINGS,
    OLLAMA_BASE_URL: ollamaUrl,
    OLLAMA_MODEL: MODEL,
    USE_AI_EXTRACTION: 'true',
    EXTRACTOR: '',
  };
}

function pendingJobs(queueDir: string): Array<Record<string, unknown>> {
  const dir = path.join(queueDir, 'pending');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

describe('LLM extraction end to end: coordinator, workers and status as processes, Ollama as the stand-in', () => {
  let s: OllamaStandin;
  beforeAll(async () => {
    s = await startOllamaStandin({ latencyMs: 5, capacity: 4 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('--extractor llm with Ollama unreachable: exit 2 before anything is queued, one line naming the ways out', async () => {
    const env = setup('http://127.0.0.1:9');
    const r = await edgar(['coordinate', '--year', '2010', '--extractor', 'llm'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^edgar: Ollama is not reachable at http:\/\/127\.0\.0\.1:9 \(.+\): start Ollama \(`ollama serve`, or set OLLAMA_BASE_URL\), or pass --no-ai for rules only$/)]);
    expect(pendingJobs(env.QUEUE_DIR!)).toEqual([]);
  });

  it('the default (auto) with Ollama unreachable: says so, queues rules jobs', async () => {
    const env = setup('http://127.0.0.1:9');
    const r = await edgar(['coordinate', '--year', '2010', '--limit', '2'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Ollama is not reachable .*extracting with rules only/);
    const jobs = pendingJobs(env.QUEUE_DIR!);
    expect(jobs).toHaveLength(2);
    for (const j of jobs) expect(j.options).toEqual({ extractor: 'rules' });
  });

  it('a missing model with OLLAMA_PULL=false and --extractor llm: exit 2 naming `ollama pull`', async () => {
    s.state.models.delete(MODEL);
    try {
      const env = { ...setup(s.url), OLLAMA_PULL: 'false' };
      const r = await edgar(['coordinate', '--year', '2010', '--extractor', 'llm'], env);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd()).toBe(`edgar: model ${MODEL} is not on the Ollama server at ${s.url}: run \`ollama pull ${MODEL}\`, set OLLAMA_PULL=true, or pass --no-ai`);
      expect(s.stats.pulls).toBe(0);
    } finally {
      s.state.models.add(MODEL);
    }
  });

  it('Ctrl-C while the coordinator pulls the model: exit 130, nothing queued', async () => {
    s.state.models.delete(MODEL);
    s.state.pullable.add(MODEL);
    s.state.pullChunks = 200;
    s.state.pullDelayMs = 25;
    const pullsBefore = s.stats.pulls;
    try {
      const env = setup(s.url);
      const child = spawn(process.execPath, [BIN, 'coordinate', '--year', '2010', '--extractor', 'llm'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = waitExit(child);
      await until(() => s.stats.pulls > pullsBefore);
      child.kill('SIGINT');
      const r = await exited;
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/edgar: interrupted while pulling qwen2\.5:3b-instruct; nothing was queued/);
      expect(pendingJobs(env.QUEUE_DIR!)).toEqual([]);
    } finally {
      s.state.pullChunks = 4;
      s.state.pullDelayMs = 5;
      s.state.models.add(MODEL);
    }
  });

  it('pulls a missing model once, queues llm jobs, workers extract them, status sums the tokens; a re-run makes no call', async () => {
    s.state.models.delete(MODEL);
    s.state.pullable.add(MODEL);
    const env = setup(s.url);
    const pullsBefore = s.stats.pulls;
    const q = await edgar(['coordinate', '--year', '2010', '--form', '10-K', '8-K', '4'], env);
    expect(q.code, q.stderr).toBe(0);
    expect(s.stats.pulls - pullsBefore).toBe(1);
    expect(q.stderr).toMatch(/pull qwen2\.5:3b-instruct: success/);
    const jobs = pendingJobs(env.QUEUE_DIR!);
    expect(jobs.length).toBeGreaterThanOrEqual(6);
    for (const j of jobs) expect(j.options).toEqual({ extractor: 'llm', model: MODEL });

    const chatBefore = s.stats.chatOk;
    const [w1, w2] = await Promise.all([edgar(['worker', '--burst', '--concurrency', '2'], env), edgar(['worker', '--burst'], env)]);
    expect(w1.code, w1.stderr).toBe(0);
    expect(w2.code, w2.stderr).toBe(0);
    const calls = s.stats.chatOk - chatBefore;
    expect(calls).toBeGreaterThan(0);

    const status = JSON.parse((await edgar(['status', '--json'], env)).stdout);
    expect(status.counts).toEqual({ pending: 0, processing: 0, completed: jobs.length, failed: 0 });
    expect(status.llm).toMatchObject({ jobs: jobs.length, calls, cached: 0 });
    expect(status.llm.promptTokens).toBeGreaterThan(0);
    expect(status.llm.outputTokens).toBeGreaterThan(0);
    expect(status.llm.tokensPerSec).toBeGreaterThan(0);
    expect(status.llm.factsKept).toBeGreaterThan(0);
    const text = (await edgar(['status'], env)).stdout;
    expect(text).toMatch(new RegExp(`^llm: ${jobs.length} job\\(s\\), \\d+ chunk\\(s\\): ${calls} call\\(s\\), 0 from cache; .* tok/s; facts \\d+ kept`, 'm'));

    // Officers reached the graph, attached to their companies.
    const stats = JSON.parse((await edgar(['graph', 'stats', '--json'], env)).stdout);
    expect(stats.relationships.OFFICER_OF).toBeGreaterThan(0);

    // The same filings again (--force): every answer comes from the cache.
    const again = await edgar(['coordinate', '--year', '2010', '--form', '10-K', '8-K', '4', '--force'], env);
    expect(again.code, again.stderr).toBe(0);
    const w3 = await edgar(['worker', '--burst'], env);
    expect(w3.code, w3.stderr).toBe(0);
    expect(s.stats.chatOk - chatBefore).toBe(calls);
    const status2 = JSON.parse((await edgar(['status', '--json'], env)).stdout);
    // The --force batch counts as runs of their own: its answers all came from the cache.
    expect(status2.llm).toMatchObject({ jobs: 2 * jobs.length, calls, cached: calls });
  });

  it('Ollama failing through every retry: the job is retried later by the queue, nothing is lost', async () => {
    const env = { ...setup(s.url) };
    const q = await edgar(['coordinate', '--year', '2010', '--form', '10-K', '--limit', '1', '--extractor', 'llm'], env);
    expect(q.code, q.stderr).toBe(0);
    // Every chunk's every attempt answered 503 (a filing sends its chunks in parallel).
    s.fault(...Array.from({ length: 40 }, () => ({ status: 503, error: 'server busy, please try again.  maximum pending requests exceeded' })));
    const w = await edgar(['worker', '--once'], env);
    s.state.faults.length = 0;
    expect(w.code).toBe(0);
    const st = JSON.parse((await edgar(['status', '--json'], env)).stdout);
    expect(st.counts).toMatchObject({ pending: 1, completed: 0, failed: 0 });
    const job = pendingJobs(env.QUEUE_DIR!)[0]!;
    expect(job.attempts).toBe(1);
    expect(JSON.stringify(job.errors)).toMatch(/failed 4 time\(s\), last: .*503/);
  });
});
