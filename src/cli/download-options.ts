import * as path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { quarterStarted } from '../download/quarterly-index.js';
import { DEFAULT_RATE, EdgarClient, MAX_RATE, parseCik, RATE_FILE_NAME, SharedRateLimiter, userAgentProblem, type Selection } from '../download/index.js';
import { parsePositiveInt } from './duration.js';
import { UsageError } from './errors.js';

/** Flags shared by `edgar download` and `edgar coordinate --download`. */
export interface DownloadFlags {
  year?: string;
  quarter?: string;
  form?: string[];
  cik?: string[];
  limit?: string;
  userAgent?: string;
  baseUrl?: string;
  rateLimit?: string;
  filingsDir?: string;
}

export interface DownloadSettings {
  year: number;
  quarter: number | undefined;
  selection: Selection;
  userAgent: string;
  baseUrl: string;
  rate: number;
  rateFile: string;
  filingsDir: string;
}

/**
 * Checks everything before the first request: a run refused by SEC halfway (no
 * User-Agent, a rate over the limit) would cost requests and maybe a block.
 */
export function downloadSettings(flags: DownloadFlags, config: Config, parseYear: (t: string | undefined) => number | undefined): DownloadSettings {
  const year = parseYear(flags.year);
  if (year === undefined) throw new UsageError('--year is required: which year of EDGAR filings to download');
  let quarter: number | undefined;
  if (flags.quarter !== undefined) {
    if (!/^[1-4]$/.test(flags.quarter.trim().replace(/^q(tr)?/i, ''))) throw new UsageError(`--quarter: "${flags.quarter}" is not 1, 2, 3 or 4`);
    quarter = Number(flags.quarter.trim().replace(/^q(tr)?/i, ''));
  }
  if (!quarterStarted(year, quarter ?? 1)) throw new UsageError(`${year}${quarter ? ` QTR${quarter}` : ''} has not begun: EDGAR has no filings for it yet`);
  const ciks = (flags.cik ?? []).flatMap((c) => c.split(',')).filter((c) => c.trim() !== '');
  const cikNums = ciks.map((c) => {
    const n = parseCik(c);
    if (n === null) throw new UsageError(`--cik: "${c}" is not a CIK (up to 10 digits)`);
    return n;
  });
  const forms = (flags.form ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
  const limit = flags.limit !== undefined ? parsePositiveInt(flags.limit, '--limit') : undefined;
  const ua = flags.userAgent ?? config.download.userAgent;
  const problem = userAgentProblem(ua);
  if (problem) throw new UsageError(problem);
  const rateText = flags.rateLimit ?? config.download.rateLimit;
  const rate = rateText === undefined ? DEFAULT_RATE : Number(rateText);
  if (!(rate > 0) || !Number.isFinite(rate)) throw new UsageError(`rate limit "${rateText}" is not a number of requests per second above 0`);
  if (rate > MAX_RATE) throw new UsageError(`rate limit ${rate}/s is over SEC's fair-access ceiling of ${MAX_RATE} requests per second per user; use ${MAX_RATE} or less (default ${DEFAULT_RATE})`);
  const baseUrl = checkBaseUrl(flags.baseUrl ?? config.download.baseUrl);
  const filingsDir = path.resolve(flags.filingsDir ?? config.filingsDir);
  return {
    year,
    quarter,
    selection: { ...(forms.length ? { forms } : {}), ...(cikNums.length ? { ciks: cikNums } : {}), ...(limit !== undefined ? { limit } : {}) },
    userAgent: ua!.trim(),
    baseUrl,
    rate,
    // Beside the filings by default: every downloader writing there (processes, containers
    // sharing the volume) then shares one limit without further set-up.
    rateFile: config.download.rateFile ?? path.join(filingsDir, RATE_FILE_NAME),
    filingsDir,
  };
}

function checkBaseUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`--base-url: "${text}" is not a URL (e.g. https://www.sec.gov)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--base-url: ${u.protocol} is not http or https`);
  // Error messages name the URL they failed on; a password in it would end up in logs.
  if (u.username || u.password) throw new UsageError('--base-url: credentials in the URL are not supported (they would show in messages)');
  return u.toString().replace(/\/+$/, '');
}

export function makeClient(s: Pick<DownloadSettings, 'baseUrl' | 'userAgent' | 'rate' | 'rateFile'>, log: Logger): EdgarClient {
  return new EdgarClient({
    baseUrl: s.baseUrl,
    userAgent: s.userAgent,
    limiter: new SharedRateLimiter(s.rateFile, s.rate, {
      onLongWait: ({ waitMs, reason }) =>
        log.warn({ waitMs, reason }, reason === 'paused' ? `waiting ${Math.round(waitMs / 1000)} s: SEC refused or throttled a request, every edgar process sharing the rate file pauses` : `waiting ${waitMs} ms for a rate-limit slot`),
    }),
    onRetry: ({ url, attempt, delayMs, reason }) => log.warn({ url, attempt, delayMs }, `retrying in ${delayMs} ms: ${reason}`),
  });
}
