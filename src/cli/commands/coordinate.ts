import * as path from 'node:path';
import { coordinate, waitIdsOf, type CoordinateOptions } from '../../pipeline/coordinate.js';
import type { Config } from '../../config.js';
import { decideExtractor } from '../../pipeline/extractor.js';
import { waitForJobs } from '../../pipeline/wait.js';
import type { Priority } from '../../queue/index.js';
import { parseDuration, parsePositiveInt } from '../duration.js';
import { EXIT, UsageError } from '../errors.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';
import { reportWait } from '../wait-report.js';
import { prepareNeo4j } from '../neo4j-setup.js';

export interface CoordinateFlags extends CommonFlags {
  year?: string;
  limit?: string;
  form?: string[];
  ai?: boolean;
  extractor?: string;
  priority: Priority;
  force?: boolean;
  wait?: boolean;
  timeout?: string;
  filingsDir?: string;
  maxAttempts?: string;
}

export function parseYear(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const y = Number(text);
  if (!/^\d{4}$/.test(text) || y < 1993 || y > 2100) throw new UsageError(`--year: "${text}" is not a year EDGAR has filings for (1993 onwards)`);
  return y;
}

/** What coordinate and load-graph share: which filings, forced or not, and the extractor (decided once, said once). */
export async function coordinateOptions(
  flags: { form?: string[]; force?: boolean; ai?: boolean; extractor?: string },
  config: Config,
  what: { filingsDir: string; year: number; limit: number | undefined },
): Promise<CoordinateOptions> {
  return {
    filingsDir: what.filingsDir,
    year: what.year,
    ...(flags.form?.length ? { forms: flags.form } : {}),
    ...(what.limit !== undefined ? { limit: what.limit } : {}),
    force: flags.force === true,
    extractor: await decideExtractor(flags, config, (line) => process.stderr.write(line + '\n')),
  };
}

export default async function coordinateCommand(flags: CoordinateFlags): Promise<number> {
  if ((flags as { download?: boolean }).download) return (await import('./coordinate-download.js')).default(flags as never);
  // These only mean something with --download: silently ignoring them would queue a scan of FILINGS_DIR the user did not ask for.
  const onlyWithDownload = { quarter: '--quarter', cik: '--cik', extract: '--extract', userAgent: '--user-agent', baseUrl: '--base-url', rateLimit: '--rate-limit' } as const;
  for (const [key, flag] of Object.entries(onlyWithDownload)) {
    if ((flags as unknown as Record<string, unknown>)[key] !== undefined) throw new UsageError(`${flag} needs --download (it selects or fetches filings from EDGAR's index)`);
  }
  const { config, log } = runtime(flags);
  const year = parseYear(flags.year);
  const limit = flags.limit !== undefined ? parsePositiveInt(flags.limit, '--limit') : undefined;
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout') : undefined;
  const maxAttempts = flags.maxAttempts !== undefined ? parsePositiveInt(flags.maxAttempts, '--max-attempts') : undefined;
  if (year === undefined && !flags.wait) throw new UsageError('give --year to queue filings, or --wait to wait for the jobs already queued');
  const filingsDir = path.resolve(flags.filingsDir ?? config.filingsDir);
  const queue = openQueue(config.queueDir, { create: true });
  let waitIds: string[] | undefined;
  if (year !== undefined) {
    await prepareNeo4j(config, log);
    const res = await coordinate(queue, {
      ...(await coordinateOptions(flags, config, { filingsDir, year, limit })),
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      priority: flags.priority,
    });
    log.info({ batchId: res.batchId, queued: res.queued.length, skipped: res.skipped.length, year }, 'batch queued');
    process.stdout.write(res.batchId + '\n');
    const already = res.skipped.length ? `; ${res.skipped.length} already queued or completed (--force re-runs completed ones)` : '';
    process.stderr.write(`queued ${res.queued.length} of ${res.matched} filing(s) filed in ${year} under ${filingsDir}${already}\n`);
    if (res.unreadable.length) process.stderr.write(`${res.unreadable.length} file(s) with an unreadable header queued to fail with their reason (see failed/), e.g. ${res.unreadable[0]!.reason}\n`);
    if (res.matched === 0) process.stderr.write(`no filing of ${year} found under ${filingsDir} (set --filings-dir or FILINGS_DIR; \`edgar sample --year ${year} --count 10\` makes demo filings)\n`);
    if (!flags.wait) return EXIT.ok;
    waitIds = waitIdsOf(res);
  }
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const res = await waitForJobs(queue, { ...(waitIds ? { ids: waitIds } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}), signal: ac.signal });
    return reportWait(res);
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}
