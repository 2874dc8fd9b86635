import { fetchFiling } from './fetch-filing.js';
import { AccessDeniedError, LocalFileError, NotFoundError, type EdgarClient } from './http-client.js';
import type { IndexEntry } from './index-file.js';
import { loadQuarterIndex, quarterStarted, type QuarterIndex } from './quarterly-index.js';
import { selectFilings, type Selection } from './select.js';

export interface Plan {
  entries: IndexEntry[];
  indexes: QuarterIndex[];
}

/** Reads the year's (or one quarter's) indexes and selects the filings to fetch. */
export async function planDownload(
  client: EdgarClient,
  opts: { filingsDir: string; year: number; quarter?: number; selection: Selection; signal?: AbortSignal },
): Promise<Plan> {
  const quarters = opts.quarter ? [opts.quarter] : [1, 2, 3, 4].filter((q) => quarterStarted(opts.year, q));
  const indexes: QuarterIndex[] = [];
  for (const q of quarters) indexes.push(await loadQuarterIndex(client, opts.filingsDir, opts.year, q, opts.signal));
  const all = indexes.flatMap((i) => i.entries);
  return { entries: selectFilings(all, opts.selection), indexes };
}

export type Outcome =
  | { entry: IndexEntry; status: 'fetched'; bytes: number; file: string }
  | { entry: IndexEntry; status: 'skipped'; bytes: number; file: string }
  | { entry: IndexEntry; status: 'not-found'; reason: string }
  | { entry: IndexEntry; status: 'failed'; reason: string };

export interface DownloadSummary {
  selected: number;
  fetched: number;
  skipped: number;
  notFound: { accession: string; url: string }[];
  failed: { accession: string; reason: string }[];
  /** Bytes written by this run (skipped files not counted). */
  bytes: number;
  elapsedMs: number;
  interrupted: boolean;
  /** Set when SEC answered 403: the run stopped so as not to extend a block. */
  refused?: string;
  /** Set when the disk is full or read-only (ENOSPC, EDQUOT, EROFS, EIO): the run stopped, no further filing could land. */
  diskError?: string;
}

/**
 * Fetches the entries with a few requests in flight (their starts are spaced by the
 * shared rate limit, so more in flight only hides latency, never exceeds the limit).
 */
export async function downloadFilings(
  client: EdgarClient,
  filingsDir: string,
  entries: IndexEntry[],
  opts: {
    concurrency?: number;
    signal?: AbortSignal;
    onBytes?: (n: number) => void;
    onOutcome?: (o: Outcome) => void;
    /** Test seam: where a filing's bytes are written (default a .part file). */
    openPart?: (file: string) => NodeJS.WritableStream;
  } = {},
): Promise<DownloadSummary> {
  const started = Date.now();
  const summary: DownloadSummary = { selected: entries.length, fetched: 0, skipped: 0, notFound: [], failed: [], bytes: 0, elapsedMs: 0, interrupted: false };
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let next = 0;
  const one = async (entry: IndexEntry): Promise<Outcome> => {
    try {
      const r = await fetchFiling(client, filingsDir, entry, { signal, ...(opts.onBytes ? { onBytes: opts.onBytes } : {}), ...(opts.openPart ? { openPart: opts.openPart } : {}) });
      return r.status === 'fetched' ? { entry, ...r, status: 'fetched' } : { entry, ...r, status: 'skipped' };
    } catch (err) {
      if (err instanceof NotFoundError) return { entry, status: 'not-found', reason: err.url };
      if (err instanceof AccessDeniedError) {
        summary.refused = err.message;
        stop.abort(err);
      }
      if (err instanceof LocalFileError && err.fatal) {
        summary.diskError = err.message;
        stop.abort(err);
      }
      throw err;
    }
  };
  const lane = async (): Promise<void> => {
    while (!signal.aborted && next < entries.length) {
      const entry = entries[next++]!;
      let outcome: Outcome;
      try {
        outcome = await one(entry);
      } catch (err) {
        if (signal.aborted && !(err instanceof LocalFileError && summary.diskError === err.message)) return; // interrupted: this filing is simply not done yet
        outcome = { entry, status: 'failed', reason: err instanceof Error ? err.message : String(err) };
      }
      if (outcome.status === 'fetched') {
        summary.fetched++;
        summary.bytes += outcome.bytes;
      } else if (outcome.status === 'skipped') summary.skipped++;
      else if (outcome.status === 'not-found') summary.notFound.push({ accession: entry.accession, url: outcome.reason });
      else summary.failed.push({ accession: entry.accession, reason: outcome.reason });
      opts.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, entries.length)) }, lane));
  summary.interrupted = opts.signal?.aborted === true;
  summary.elapsedMs = Date.now() - started;
  return summary;
}
