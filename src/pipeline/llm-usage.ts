import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LlmAccount } from '../extract/llm/index.js';
// Not the llm index: `status` must start without loading the Ollama client and zod.
import { tokensPerSecond } from '../extract/llm/rate.js';

/**
 * What each llm job cost, one JSON line per job in a file per worker, so that `status`
 * can sum tokens and flag suspicious answers without opening every completed job record.
 * One writer per file (its worker) and O_APPEND lines: no lock needed. A job run twice in
 * one batch (a retry after a crash) has two lines and the last one counts; a job run again
 * in a new batch (`--force`) counts again, since its calls (or cache hits) happened again.
 * Tokens spent on attempts that failed are not recorded.
 */
export interface UsageLine {
  jobId: string;
  batchId?: string;
  accession: string;
  at: string;
  model: string;
  chunks: number;
  calls: number;
  cached: number;
  promptTokens: number;
  outputTokens: number;
  evalMs: number;
  kept: number;
  dropped: number;
  emptyButNamesPeople: number;
  suspicious?: string[];
  /** Sections found but not sent (LLM_MAX_CHUNKS). */
  sectionsSkipped?: number;
  truncatedAnswers?: number;
}

export function usageDirOf(queueDir: string): string {
  return path.join(queueDir, 'meta', 'llm-usage');
}

export function usageLine(job: { id: string; batchId?: unknown }, accession: string, a: LlmAccount): UsageLine {
  return {
    jobId: job.id,
    ...(typeof job.batchId === 'string' ? { batchId: job.batchId } : {}),
    accession,
    at: new Date().toISOString(),
    model: a.model,
    chunks: a.chunks,
    calls: a.calls,
    cached: a.cached,
    promptTokens: a.promptTokens,
    outputTokens: a.outputTokens,
    evalMs: a.evalMs,
    kept: a.kept,
    dropped: Object.values(a.dropped).reduce((n, v) => n + v, 0),
    emptyButNamesPeople: a.emptyButNamesPeople,
    ...(a.suspicious.length ? { suspicious: a.suspicious } : {}),
    ...(a.sectionsSkipped.length ? { sectionsSkipped: a.sectionsSkipped.length } : {}),
    ...(a.truncatedAnswers ? { truncatedAnswers: a.truncatedAnswers } : {}),
  };
}

export function recordLlmUsage(dir: string, workerId: string, line: UsageLine): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, `${workerId.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`), JSON.stringify(line) + '\n');
}

export interface LlmUsageSummary {
  jobs: number;
  chunks: number;
  calls: number;
  cached: number;
  promptTokens: number;
  outputTokens: number;
  /** Output tokens per second of generation over all calls. */
  tokensPerSec: number;
  factsKept: number;
  factsDropped: number;
  /** Jobs with a section naming officers for which the model listed no one. */
  emptyAnswers: number;
  /** Sections found but not sent because a filing reached LLM_MAX_CHUNKS. */
  sectionsSkipped: number;
  /** Answers cut short by the output limit. */
  truncatedAnswers: number;
  /** The latest of those, for a user to look at. */
  suspicious: Array<{ jobId: string; accession: string; sections: string[] }>;
}

export function summarizeLlmUsage(dir: string): LlmUsageSummary | null {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return null;
  }
  const byJob = new Map<string, UsageLine>();
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, f), 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      try {
        const line = JSON.parse(raw) as UsageLine;
        const key = `${line.batchId ?? ''}\u0000${line.jobId}`;
        const prev = byJob.get(key);
        if (prev === undefined || prev.at <= line.at) byJob.set(key, line);
      } catch {
        // A line cut by a crash mid-append: skip it, the job's record still has its result.
      }
    }
  }
  if (byJob.size === 0) return null;
  const s: LlmUsageSummary = { jobs: 0, chunks: 0, calls: 0, cached: 0, promptTokens: 0, outputTokens: 0, tokensPerSec: 0, factsKept: 0, factsDropped: 0, emptyAnswers: 0, sectionsSkipped: 0, truncatedAnswers: 0, suspicious: [] };
  let evalMs = 0;
  const lines = [...byJob.values()].sort((a, b) => (a.at < b.at ? -1 : 1));
  for (const l of lines) {
    s.jobs++;
    s.chunks += l.chunks;
    s.calls += l.calls;
    s.cached += l.cached;
    s.promptTokens += l.promptTokens;
    s.outputTokens += l.outputTokens;
    evalMs += l.evalMs;
    s.factsKept += l.kept;
    s.factsDropped += l.dropped;
    s.sectionsSkipped += l.sectionsSkipped ?? 0;
    s.truncatedAnswers += l.truncatedAnswers ?? 0;
    if (l.emptyButNamesPeople > 0) {
      s.emptyAnswers++;
      s.suspicious.push({ jobId: l.jobId, accession: l.accession, sections: l.suspicious ?? [] });
    }
  }
  s.suspicious = s.suspicious.slice(-5);
  s.tokensPerSec = tokensPerSecond(s.outputTokens, evalMs);
  return s;
}
