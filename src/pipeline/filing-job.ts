import * as fs from 'node:fs';
import * as path from 'node:path';
import { FilingParseError } from '../edgar/index.js';
import { tokensPerSecond, type LlmAccount, type LlmRuntime } from '../extract/llm/index.js';
import { extractFiling } from './extract-filing.js';
import { recordLlmUsage, usageLine } from './llm-usage.js';
import { writeFragment } from '../graph/file-store.js';
import type { GraphWriter } from '../graph/neo4j/writer.js';
import { PermanentJobError, type JobContext, type JobRecord } from '../queue/index.js';
import type { DownloadJobDeps } from './download-job.js';

/** The job a coordinator writes for one filing (CONTRACT.md, "The queue on disk"). */
export interface FilingJobOptions {
  extractor: 'rules' | 'llm';
  /** With llm: the Ollama model the coordinator checked. */
  model?: string;
}

export interface FilingJobResult {
  accession: string;
  formType: string;
  extractor: string;
  /** With the llm extractor: chunks, calls, cache hits, tokens, facts kept and dropped. */
  llm?: LlmAccount;
  nodes: number;
  relationships: number;
  documents: number;
  bytes: number;
  parseMs: number;
  extractMs: number;
  writeMs: number;
  durationMs: number;
  workerId: string;
}

export interface PipelineDirs {
  filingsDir: string;
  graphDir: string;
  /**
   * Extra time each filing takes, as a stand-in for an LLM's cost in benchmarks and tests
   * (EDGAR_SIMULATED_LATENCY). It honours the job's abort signal like a real call would.
   */
  simulatedLatencyMs?: number;
  /** LLM runtimes (per model) of this process; without it, llm jobs fail permanently. */
  llm?: (model?: string) => LlmRuntime;
  /** Where each llm job's usage is appended for `status` (QUEUE_DIR/meta/llm-usage). */
  usageDir?: string;
  /** For "download" jobs (`coordinate --download`): the queue to queue extractions in, the shared rate file. */
  download?: DownloadJobDeps;
  /**
   * Neo4j, when configured. It is written after the fragment file (the outbox), so an
   * outage fails the job for a retry without losing the extraction; `graph push` replays.
   */
  graphWriter?: GraphWriter;
}

/**
 * A job may only read a filing inside FILINGS_DIR: a job file is data anyone with write
 * access to the queue can forge, and must not make a worker read /etc/shadow into a graph.
 */
export function resolveFilingPath(filingsDir: string, filing: unknown): string {
  if (typeof filing !== 'string' || filing.length === 0) throw new PermanentJobError('the job has no "filing" path');
  const root = realOrSelf(filingsDir);
  const abs = path.resolve(root, filing);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    throw new PermanentJobError(`filing not found: ${abs}`);
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new PermanentJobError(`filing ${filing} is outside FILINGS_DIR (${root}); refusing to read it`);
  }
  return real;
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** What one job does: parse, extract, store the fragment. Bad filings fail permanently. */
export function filingHandler(dirs: PipelineDirs) {
  return async (job: JobRecord, ctx: JobContext): Promise<FilingJobResult> => {
    const t0 = performance.now();
    const file = resolveFilingPath(dirs.filingsDir, job.filing);
    const options = jobOptions(job.options);
    let extraction;
    try {
      extraction = await extractFiling(file, options, { ...(dirs.llm ? { llm: dirs.llm } : {}), signal: ctx.signal, log: ctx.log });
    } catch (err) {
      if (err instanceof FilingParseError) throw new PermanentJobError(err.message);
      const code = (err as NodeJS.ErrnoException)?.code;
      if (code === 'ENOENT' || code === 'EISDIR') throw new PermanentJobError(`cannot read ${file}: ${code}`);
      throw err;
    }
    const { sub, fragment, llm } = extraction;
    const t1 = t0 + extraction.parseMs;
    if (dirs.simulatedLatencyMs) await abortableSleep(dirs.simulatedLatencyMs, ctx.signal);
    const t2 = performance.now();
    ctx.signal.throwIfAborted();
    writeFragment(dirs.graphDir, fragment);
    if (dirs.graphWriter) await dirs.graphWriter.write(fragment, ctx.signal);
    const t3 = performance.now();
    if (llm) {
      ctx.log.info(
        { chunks: llm.chunks, calls: llm.calls, cached: llm.cached, promptTokens: llm.promptTokens, outputTokens: llm.outputTokens, tokensPerSec: tokensPerSecond(llm.outputTokens, llm.evalMs), kept: llm.kept, dropped: llm.dropped },
        'llm extraction',
      );
    }
    if (llm && dirs.usageDir) {
      try {
        recordLlmUsage(dirs.usageDir, ctx.workerId, usageLine(job, sub.accession, llm));
      } catch (err) {
        // The usage ledger is a summary for `status`; the job's own record keeps the figures.
        ctx.log.warn({ err: (err as Error).message }, 'could not append LLM usage');
      }
    }
    const ms = (a: number, b: number) => Math.round((b - a) * 100) / 100;
    return {
      accession: sub.accession,
      formType: sub.formType,
      extractor: options.extractor,
      ...(llm ? { llm } : {}),
      nodes: fragment.nodes.length,
      relationships: fragment.relationships.length,
      documents: sub.documents.length,
      bytes: sub.bytes,
      parseMs: ms(t0, t1),
      extractMs: ms(t1, t2),
      writeMs: ms(t2, t3),
      durationMs: ms(t0, t3),
      workerId: ctx.workerId,
    };
  };
}

/** The extractor a job asks for; jobs written before the LLM existed, or by hand, mean rules. */
function jobOptions(raw: unknown): FilingJobOptions {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (o.extractor === 'llm') return { extractor: 'llm', ...(typeof o.model === 'string' && o.model ? { model: o.model } : {}) };
  return { extractor: 'rules' };
}

/** Job type -> handler; the worker refuses (permanently) a type it does not know. */
export function jobHandlers(dirs: PipelineDirs) {
  const filing = filingHandler(dirs);
  let download: ((job: JobRecord, ctx: JobContext) => Promise<unknown>) | undefined;
  return async (job: JobRecord, ctx: JobContext): Promise<unknown> => {
    if (job.type === 'filing') return filing(job, ctx);
    // Loaded on first use: a worker that never downloads never loads the HTTP client.
    if (job.type === 'download') return (download ??= (await import('./download-job.js')).downloadHandler(dirs))(job, ctx);
    throw new PermanentJobError(`no handler for job type "${job.type}"`);
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}
