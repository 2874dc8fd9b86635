import * as path from 'node:path';
import {
  AccessDeniedError,
  EdgarClient,
  FetchError,
  fetchFiling,
  filingDest,
  isCompleteSubmission,
  LocalFileError,
  MAX_RATE,
  NotFoundError,
  RATE_FILE_NAME,
  SharedRateLimiter,
  userAgentProblem,
  type IndexEntry,
} from '../download/index.js';
import { FsQueue, PermanentJobError, type JobContext, type JobRecord, type JobState, type NewJob, type Priority } from '../queue/index.js';
import { coordinate, withCoordinatorLock } from './coordinate.js';
import type { FilingJobOptions } from './filing-job.js';
import { readFilingHeader } from './find-filings.js';

/** What a worker needs beyond FILINGS_DIR to run download jobs. */
export interface DownloadJobDeps {
  /** Where to queue each filing's extraction job once it has landed. */
  queueDir: string;
  /** EDGAR_RATE_FILE; default FILINGS_DIR/.edgar-rate-limit.json. */
  rateFile?: string;
  /** Test seam: where a filing's bytes are written (default a .part file beside it). */
  openPart?: (file: string) => NodeJS.WritableStream;
}

/** Written by `coordinate --download` into every download job's `options`. */
export interface DownloadJobOptions {
  baseUrl: string;
  userAgent: string;
  rateLimit: number;
  /** Queue the filing for extraction, with these options, once it has landed. */
  extract?: FilingJobOptions;
}

export interface DownloadJobResult {
  accession: string;
  status: 'fetched' | 'skipped';
  bytes: number;
  file: string;
  extractionQueued: boolean;
  workerId: string;
}

/** Apart from the filing job's id (the accession), so that both can live in the queue. */
export const downloadJobId = (accession: string): string => `download:${accession}`;

/**
 * Queues one download job per selected filing, except those whose download is pending,
 * running, or done (unless forced), under the coordinators' lock.
 */
export async function queueDownloads(
  queue: FsQueue,
  entries: IndexEntry[],
  opts: { batchId: string; priority: Priority; force: boolean; options: DownloadJobOptions; maxAttempts?: number },
): Promise<{ queued: IndexEntry[]; skipped: { accession: string; state: JobState }[] }> {
  return withCoordinatorLock(queue, async () => {
    const known = queue.knownIds();
    const queued: IndexEntry[] = [];
    const skipped: { accession: string; state: JobState }[] = [];
    const jobs: NewJob[] = [];
    for (const e of entries) {
      const id = downloadJobId(e.accession);
      const state = known.get(id);
      if (state === 'pending' || state === 'processing' || (state === 'completed' && !opts.force)) {
        skipped.push({ accession: e.accession, state });
        continue;
      }
      if (state === 'completed' || state === 'failed') queue.forgetFinished(id);
      queued.push(e);
      jobs.push({
        id,
        type: 'download',
        // Relative to FILINGS_DIR, like a filing job's: it is where the file will land.
        filing: e.path,
        accession: e.accession,
        formType: e.formType,
        filedAt: e.filedAt,
        cik: e.cik,
        batchId: opts.batchId,
        priority: opts.priority,
        ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
        options: { ...opts.options },
      });
    }
    await queue.enqueueBatch(jobs, { durable: true });
    return { queued, skipped };
  });
}

/**
 * Runs one download job: the same fetch as `edgar download` (shared rate limit, atomic
 * write, skip if complete), then, if asked, the filing's extraction job in the same batch.
 * A 404 or a non-submission fails the job for good, with its reason; throttling and
 * network trouble that outlast the client's own retries go back to the queue's backoff.
 */
export function downloadHandler(dirs: { filingsDir: string; download?: DownloadJobDeps }) {
  const clients = new Map<string, EdgarClient>();
  let queue: FsQueue | null = null;
  const clientFor = (o: DownloadJobOptions, log: JobContext['log']): EdgarClient => {
    const key = JSON.stringify([o.baseUrl, o.userAgent, o.rateLimit]);
    let c = clients.get(key);
    if (!c) {
      const rateFile = dirs.download?.rateFile ?? path.join(dirs.filingsDir, RATE_FILE_NAME);
      c = new EdgarClient({
        baseUrl: o.baseUrl,
        userAgent: o.userAgent,
        limiter: new SharedRateLimiter(rateFile, o.rateLimit, {
          onLongWait: ({ waitMs, reason }) =>
            log.warn({ waitMs, reason }, reason === 'paused' ? `waiting ${Math.round(waitMs / 1000)} s: SEC refused or throttled a request, every download pauses` : `waiting ${waitMs} ms for a rate-limit slot`),
        }),
        onRetry: ({ url, attempt, delayMs, reason }) => log.warn({ url, attempt, delayMs }, `retrying in ${delayMs} ms: ${reason}`),
      });
      clients.set(key, c);
    }
    return c;
  };
  return async (job: JobRecord, ctx: JobContext): Promise<DownloadJobResult> => {
    const o = downloadOptions(job.options);
    let dest: string;
    try {
      dest = filingDest(dirs.filingsDir, { path: String(job.filing) });
    } catch (err) {
      throw new PermanentJobError((err as Error).message);
    }
    let r;
    try {
      r = await fetchFiling(clientFor(o, ctx.log), dirs.filingsDir, { path: String(job.filing) }, { signal: ctx.signal, ...(dirs.download?.openPart ? { openPart: dirs.download.openPart } : {}) });
    } catch (err) {
      if (err instanceof NotFoundError) throw new PermanentJobError(err.message);
      if (err instanceof FetchError && !err.retryable) throw new PermanentJobError(err.message);
      // The client recorded a shared pause: the queue's retry (and every other download
      // job) waits in acquire() without sending until it ends, so an attempt is spent per
      // 403 received, not per second of the block.
      if (err instanceof AccessDeniedError) throw err;
      // Full disk, read-only or forbidden folder: fetching again would fail the same way
      // after spending a request; `edgar retry` once it is fixed. Out of descriptors passes.
      if (err instanceof LocalFileError) {
        if (err.code === 'EMFILE' || err.code === 'ENFILE') throw err;
        throw new PermanentJobError(`${err.message} (fix it, then \`edgar retry\`)`);
      }
      throw err;
    }
    const extractionQueued = o.extract ? await queueExtraction(dest, job, o.extract) : false;
    return { accession: String(job.accession ?? path.basename(dest)), status: r.status, bytes: r.bytes, file: String(job.filing), extractionQueued, workerId: ctx.workerId };
  };

  async function queueExtraction(dest: string, job: JobRecord, extractor: FilingJobOptions): Promise<boolean> {
    if (!dirs.download) throw new PermanentJobError('this worker has no queue to queue the extraction in');
    queue ??= new FsQueue({ dir: dirs.download.queueDir }).init();
    const res = await queueExtractions(queue, dirs.filingsDir, [dest], { extractor, priority: job.priority, ...(job.batchId ? { batchId: job.batchId } : {}) });
    return res.queued > 0;
  }
}

/**
 * Queues the extraction of filings already on disk, as the coordinator would: from each
 * file's own header; an unreadable one is queued to fail with its reason. Used by a
 * download job once its filing has landed, and by `coordinate --download --extract` for
 * filings whose download job had completed before.
 */
export async function queueExtractions(
  queue: FsQueue,
  filingsDir: string,
  files: string[],
  opts: { extractor: FilingJobOptions; priority: Priority; batchId?: string },
): Promise<{ queued: number; ids: string[] }> {
  const scan: Parameters<typeof coordinate>[2] = { filings: [], unreadable: [] };
  for (const f of files) {
    try {
      scan.filings.push(readFilingHeader(f));
    } catch (err) {
      scan.unreadable.push({ path: f, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const res = await coordinate(queue, { filingsDir, extractor: opts.extractor, priority: opts.priority, ...(opts.batchId ? { batchId: opts.batchId } : {}) }, scan);
  return { queued: res.queued.length + res.unreadableIds.length, ids: [...res.queued.map((f) => f.accession), ...res.unreadableIds] };
}

/** Of the filings whose download completed earlier, those still complete on disk (their paths). */
export function alreadyDownloaded(filingsDir: string, entries: Pick<IndexEntry, 'path'>[]): { present: string[]; missing: number } {
  const present: string[] = [];
  let missing = 0;
  for (const e of entries) {
    const dest = filingDest(filingsDir, e);
    if (isCompleteSubmission(dest)) present.push(dest);
    else missing++;
  }
  return { present, missing };
}

/** A job file is data anyone with access to the queue can write: checked like user input. */
function downloadOptions(raw: unknown): DownloadJobOptions {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const baseUrl = typeof o.baseUrl === 'string' ? o.baseUrl : '';
  if (!/^https?:\/\/[^/@\s]+/.test(baseUrl)) throw new PermanentJobError(`download job: "${baseUrl}" is not an http(s) base URL`);
  const userAgent = typeof o.userAgent === 'string' ? o.userAgent : undefined;
  const problem = userAgentProblem(userAgent);
  if (problem) throw new PermanentJobError(`download job: ${problem}`);
  const rateLimit = Number(o.rateLimit);
  if (!(rateLimit > 0 && rateLimit <= MAX_RATE)) throw new PermanentJobError(`download job: rate limit ${String(o.rateLimit)} is not in (0, ${MAX_RATE}]`);
  const extract = typeof o.extract === 'object' && o.extract !== null ? (o.extract as FilingJobOptions) : undefined;
  return { baseUrl, userAgent: userAgent!, rateLimit, ...(extract ? { extract } : {}) };
}
