import * as fs from 'node:fs';
import * as path from 'node:path';
import { FilingParseError, parseSubmissionFile } from '../edgar/index.js';
import { extractRules, keepTextForRules } from '../extract/rules.js';
import { writeFragment } from '../graph/file-store.js';
import { PermanentJobError, type JobContext, type JobRecord } from '../queue/index.js';

/** The job a coordinator writes for one filing (CONTRACT.md, "The queue on disk"). */
export interface FilingJobOptions {
  extractor: 'rules' | 'llm' | 'auto';
}

export interface FilingJobResult {
  accession: string;
  formType: string;
  extractor: string;
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
    let sub;
    try {
      sub = await parseSubmissionFile(file, { keepText: keepTextForRules, signal: ctx.signal });
    } catch (err) {
      if (err instanceof FilingParseError) throw new PermanentJobError(err.message);
      const code = (err as NodeJS.ErrnoException)?.code;
      if (code === 'ENOENT' || code === 'EISDIR') throw new PermanentJobError(`cannot read ${file}: ${code}`);
      throw err;
    }
    const t1 = performance.now();
    const fragment = extractRules(sub);
    if (dirs.simulatedLatencyMs) await abortableSleep(dirs.simulatedLatencyMs, ctx.signal);
    const t2 = performance.now();
    ctx.signal.throwIfAborted();
    writeFragment(dirs.graphDir, fragment);
    const t3 = performance.now();
    const ms = (a: number, b: number) => Math.round((b - a) * 100) / 100;
    return {
      accession: sub.accession,
      formType: sub.formType,
      extractor: 'rules',
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

/** Job type -> handler; the worker refuses (permanently) a type it does not know. */
export function jobHandlers(dirs: PipelineDirs) {
  const filing = filingHandler(dirs);
  return async (job: JobRecord, ctx: JobContext): Promise<unknown> => {
    if (job.type === 'filing') return filing(job, ctx);
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
