import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { encodeId, type FsQueue, type JobState, type NewJob, type Priority } from '../queue/index.js';
import { scanFilings, type FilingRef, type ScanResult } from './find-filings.js';
import type { FilingJobOptions } from './filing-job.js';

export interface CoordinateOptions {
  filingsDir: string;
  year?: number;
  forms?: string[];
  limit?: number;
  priority?: Priority;
  force?: boolean;
  /** The extractor as decided once for the batch (decideExtractor), written into every job. */
  extractor: FilingJobOptions;
  maxAttempts?: number;
}

export interface CoordinateResult {
  batchId: string;
  queued: FilingRef[];
  /** Already pending, processing or completed (and not forced), with the state seen. */
  skipped: { accession: string; state: JobState }[];
  unreadable: { path: string; reason: string }[];
  /** Job ids under which the unreadable files were queued (to fail with their reason). */
  unreadableIds: string[];
  matched: number;
}

/** Job id of a file with no readable accession: its path, or a digest when the path is too long. */
export function unreadableJobId(relPath: string): string {
  const id = `file:${relPath}`;
  try {
    encodeId(id);
    return id;
  } catch {
    return `file:${createHash('sha1').update(relPath).digest('hex').slice(0, 16)}`;
  }
}

export const newBatchId = (): string => `b-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;

/**
 * Scans, then queues each filing once. The check "already queued?" and the enqueue must
 * not interleave with another coordinator's, or both would queue the same filing: that
 * short critical section is what proper-lockfile is for (a rename claim needs no lock).
 */
export async function coordinate(
  queue: FsQueue,
  opts: CoordinateOptions & { batchId?: string },
  // A download job hands over the one filing it just wrote instead of a scan of the folder.
  scan: ScanResult = scanFilings(opts.filingsDir, { ...(opts.year !== undefined ? { year: opts.year } : {}), ...(opts.forms ? { forms: opts.forms } : {}) }),
): Promise<CoordinateResult> {
  const batchId = opts.batchId ?? newBatchId();
  return withCoordinatorLock(queue, async () => {
    const known = queue.knownIds();
    const queued: FilingRef[] = [];
    const skipped: { accession: string; state: JobState }[] = [];
    const jobs: NewJob[] = [];
    const unreadableIds: string[] = [];
    for (const f of scan.filings) {
      if (opts.limit !== undefined && queued.length >= opts.limit) break;
      const state = known.get(f.accession);
      // Pending and processing jobs will run anyway; a forced re-run replaces finished ones.
      if (state === 'pending' || state === 'processing' || (state === 'completed' && !opts.force)) {
        skipped.push({ accession: f.accession, state });
        continue;
      }
      if (state === 'completed' || state === 'failed') queue.forgetFinished(f.accession);
      queued.push(f);
      jobs.push({
        id: f.accession,
        type: 'filing',
        filing: path.relative(opts.filingsDir, f.path),
        formType: f.formType,
        filedAt: f.filedAt,
        batchId,
        priority: opts.priority ?? 'normal',
        ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
        options: { ...opts.extractor },
      });
    }
    // A file that looks like a filing but whose header cannot be read is queued too, under
    // its path: the worker fails it with the parser's reason, so it shows up in failed/
    // and in `coordinate --wait`'s summary instead of vanishing from the batch.
    for (const u of scan.unreadable) {
      const rel = path.relative(opts.filingsDir, u.path);
      const id = unreadableJobId(rel);
      const state = known.get(id);
      if (state === 'pending' || state === 'processing') continue;
      if (state === 'completed' || state === 'failed') queue.forgetFinished(id);
      jobs.push({ id, type: 'filing', filing: rel, batchId, priority: opts.priority ?? 'normal', maxAttempts: 1, options: { ...opts.extractor } });
      unreadableIds.push(id);
    }
    await queue.enqueueBatch(jobs, { durable: true });
    return { batchId, queued, skipped, unreadable: scan.unreadable, unreadableIds, matched: scan.filings.length };
  });
}

/** The coordinators' critical section ("already queued?" then enqueue), shared with the download coordinator. */
export async function withCoordinatorLock<T>(queue: FsQueue, fn: () => Promise<T>): Promise<T> {
  const lockTarget = path.join(queue.dir, 'meta', 'coordinator.lock');
  fs.writeFileSync(lockTarget, '', { flag: 'a' });
  const release = await lockfile.lock(lockTarget, {
    stale: 30_000,
    update: 5_000,
    retries: { retries: 60, minTimeout: 100, maxTimeout: 1_000, factor: 1.5 },
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** The jobs a batch's waiter follows: what it queued, what was already on its way, and the unreadable files. */
export function waitIdsOf(res: CoordinateResult): string[] {
  const onTheirWay = res.skipped.filter((s) => s.state === 'pending' || s.state === 'processing').map((s) => s.accession);
  return [...res.queued.map((f) => f.accession), ...onTheirWay, ...res.unreadableIds];
}
