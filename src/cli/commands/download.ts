import { AccessDeniedError, downloadFilings, downloadProgress, planDownload, summaryLines, INDEX_NAMES } from '../../download/index.js';
import { formatDuration } from '../duration.js';
import { EXIT, UsageError } from '../errors.js';
import { downloadSettings, makeClient, type DownloadFlags } from '../download-options.js';
import { runtime, type CommonFlags } from '../runtime.js';
import { parseYear } from './coordinate.js';

interface Flags extends CommonFlags, DownloadFlags {
  concurrency: string;
  json?: boolean;
}

export default async function downloadCommand(flags: Flags): Promise<number> {
  const { config, log } = runtime(flags);
  const s = downloadSettings(flags, config, parseYear);
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError(`--concurrency: "${flags.concurrency}" is not a whole number from 1 to 32`);
  }
  const client = makeClient(s, log);
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    // The first signal stops cleanly (in-flight .part files removed); a second one does not wait.
    if (++signals > 1) process.exit(EXIT.interrupted);
    process.stderr.write('stopping: the downloads in flight are dropped and their partial files removed (Ctrl-C again to quit at once)\n');
    ac.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  try {
    let plan;
    try {
      plan = await planDownload(client, { filingsDir: s.filingsDir, year: s.year, ...(s.quarter ? { quarter: s.quarter } : {}), selection: s.selection, signal: ac.signal });
    } catch (err) {
      if (ac.signal.aborted) return EXIT.interrupted;
      if (err instanceof AccessDeniedError) {
        process.stderr.write(`edgar: ${err.message}\n`);
        return EXIT.jobsFailed;
      }
      throw err;
    }
    const missing = plan.indexes.filter((i) => i.source === null);
    for (const m of missing) {
      process.stderr.write(`no index for ${s.year} QTR${m.quarter} at ${client.url(`edgar/full-index/${s.year}/QTR${m.quarter}/`)} (tried ${INDEX_NAMES.join(', ')})\n`);
    }
    if (missing.length === plan.indexes.length) return EXIT.jobsFailed;
    const rows = plan.indexes.reduce((n, i) => n + i.entries.length, 0);
    const period = s.quarter ? `${s.year} QTR${s.quarter}` : `${s.year}`;
    process.stderr.write(`selected ${plan.entries.length} filing(s) of ${period} out of ${rows} index rows; into ${s.filingsDir} at most ${s.rate} requests/s (shared through ${s.rateFile})\n`);
    log.info({ selected: plan.entries.length, baseUrl: s.baseUrl, rate: s.rate, rateFile: s.rateFile, indexes: plan.indexes.map((i) => i.source) }, 'download planned');
    const progress = downloadProgress(plan.entries.length);
    const summary = await downloadFilings(client, s.filingsDir, plan.entries, {
      concurrency,
      signal: ac.signal,
      onBytes: (n) => progress.bytes(n),
      onOutcome: (o) => progress.outcome(o),
    });
    progress.stop();
    for (const line of summaryLines(summary, formatDuration(Date.now() - started))) process.stderr.write(line + '\n');
    if (flags.json) process.stdout.write(JSON.stringify({ ...summary, year: s.year, quarter: s.quarter ?? null, filingsDir: s.filingsDir }) + '\n');
    if (summary.interrupted) return EXIT.interrupted;
    return summary.failed.length || summary.notFound.length || summary.refused || summary.diskError ? EXIT.jobsFailed : EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
