import { AccessDeniedError, INDEX_NAMES, planDownload } from '../../download/index.js';
import { newBatchId } from '../../pipeline/coordinate.js';
import { alreadyDownloaded, downloadJobId, queueDownloads, queueExtractions } from '../../pipeline/download-job.js';
import { decideExtractor } from '../../pipeline/extractor.js';
import { waitForJobs } from '../../pipeline/wait.js';
import { downloadSettings, makeClient, type DownloadFlags } from '../download-options.js';
import { parseDuration, parsePositiveInt } from '../duration.js';
import { EXIT } from '../errors.js';
import { openQueue, runtime } from '../runtime.js';
import { reportWait } from '../wait-report.js';
import { parseYear, type CoordinateFlags } from './coordinate.js';

/** coordinate's own flags, with the download selection's in place of its scan's. */
interface Flags extends CoordinateFlags, DownloadFlags {
  extract?: boolean;
}

/**
 * `edgar coordinate --download`: reads the index here, then queues one download job per
 * filing, so that workers (`--scale worker=4`) fetch in parallel under the one shared rate
 * limit; with --extract each worker queues the filing's extraction as soon as it lands.
 */
export default async function coordinateDownload(flags: Flags): Promise<number> {
  const { config, log } = runtime(flags);
  const s = downloadSettings(flags, config, parseYear);
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout') : undefined;
  const maxAttempts = flags.maxAttempts !== undefined ? parsePositiveInt(flags.maxAttempts, '--max-attempts') : undefined;
  const queue = openQueue(config.queueDir, { create: true });
  const extract = flags.extract ? await decideExtractor(flags, config, (line) => process.stderr.write(line + '\n')) : undefined;
  const client = makeClient(s, log);
  let plan;
  try {
    plan = await planDownload(client, { filingsDir: s.filingsDir, year: s.year, ...(s.quarter ? { quarter: s.quarter } : {}), selection: s.selection });
  } catch (err) {
    if (err instanceof AccessDeniedError) {
      process.stderr.write(`edgar: ${err.message}\n`);
      return EXIT.jobsFailed;
    }
    throw err;
  }
  for (const m of plan.indexes.filter((i) => i.source === null)) {
    process.stderr.write(`no index for ${s.year} QTR${m.quarter} at ${client.url(`edgar/full-index/${s.year}/QTR${m.quarter}/`)} (tried ${INDEX_NAMES.join(', ')})\n`);
  }
  if (plan.indexes.every((i) => i.source === null)) return EXIT.jobsFailed;
  const batchId = newBatchId();
  const res = await queueDownloads(queue, plan.entries, {
    batchId,
    priority: flags.priority,
    force: flags.force === true,
    options: { baseUrl: s.baseUrl, userAgent: s.userAgent, rateLimit: s.rate, ...(extract ? { extract } : {}) },
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
  // A filing whose download job completed earlier lands no more: no worker would queue its
  // extraction, so it is queued here (skipped like any filing already queued or extracted).
  let extractIds: string[] = [];
  let gone = 0;
  if (extract) {
    const done = new Set(res.skipped.filter((k) => k.state === 'completed').map((k) => k.accession));
    const have = alreadyDownloaded(s.filingsDir, plan.entries.filter((e) => done.has(e.accession)));
    gone = have.missing;
    if (have.present.length) extractIds = (await queueExtractions(queue, s.filingsDir, have.present, { extractor: extract, priority: flags.priority, batchId })).ids;
  }
  log.info({ batchId, queued: res.queued.length, skipped: res.skipped.length, extractionsQueued: extractIds.length, year: s.year }, 'download batch queued');
  process.stdout.write(batchId + '\n');
  const already = res.skipped.length ? `; ${res.skipped.length} already queued or downloaded (--force queues them again)` : '';
  process.stderr.write(
    `queued ${res.queued.length} download job(s) of ${plan.entries.length} selected filing(s) of ${s.year}${s.quarter ? ` QTR${s.quarter}` : ''} into ${s.filingsDir}${already}` +
      `${extract ? '; each is queued for extraction as it lands' : ''}\n`,
  );
  if (extractIds.length) process.stderr.write(`queued ${extractIds.length} extraction job(s) for filings downloaded earlier\n`);
  if (gone) process.stderr.write(`${gone} filing(s) downloaded earlier are no longer complete in ${s.filingsDir}: not extracted (--force downloads them again)\n`);
  if (!flags.wait) return EXIT.ok;

  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const onTheirWay = res.skipped.filter((k) => k.state === 'pending' || k.state === 'processing').map((k) => downloadJobId(k.accession));
    const downloads = await waitForJobs(queue, { ids: [...res.queued.map((e) => downloadJobId(e.accession)), ...onTheirWay], ...(timeoutMs !== undefined ? { timeoutMs } : {}), signal: ac.signal });
    const code = reportWait(downloads);
    if (!extract || downloads.interrupted || downloads.timedOut) return code;
    // Then the extractions the downloads queued (an id never queued counts as ended).
    process.stderr.write('downloads done; waiting for their extraction jobs\n');
    const rest = timeoutMs !== undefined ? Math.max(0, timeoutMs - downloads.elapsedMs) : undefined;
    const extractions = await waitForJobs(queue, { ids: [...res.queued.map((e) => e.accession), ...extractIds], ...(rest !== undefined ? { timeoutMs: rest } : {}), signal: ac.signal });
    return Math.max(code, reportWait(extractions));
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}
