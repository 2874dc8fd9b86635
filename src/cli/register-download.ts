import type { Command } from 'commander';
import type { ActionFactory, CommonOptions } from './register-graph.js';

/** Help text the two download entry points share (`edgar download`, `edgar coordinate --download`). */
export const DOWNLOAD_HELP = {
  quarter: 'only this quarter (1-4); default every quarter of the year that has begun',
  cik: 'only filings listed under these CIKs (e.g. 320193 or 0000320193)',
  userAgent: 'who you are, as SEC requires: "Name email@domain" (env EDGAR_USER_AGENT; required)',
  baseUrl: 'EDGAR or a mirror of its /Archives tree (env EDGAR_BASE_URL, default https://www.sec.gov)',
  rateLimit: 'requests per second for all edgar processes sharing the filings folder together (env EDGAR_RATE_LIMIT, default 9, at most 10)',
};

export function registerDownloadCommand(program: Command, common: CommonOptions, action: ActionFactory): void {
  // `coordinate` is wired in main.ts; its download flags are added here, after its own.
  const coordinate = program.commands.find((c) => c.name() === 'coordinate');
  if (coordinate) downloadQueueOptions(coordinate);
  common(program.command('download'))
    .description("fetch a year's filings from EDGAR's quarterly full index into FILINGS_DIR, within SEC's fair-access rules; resumable")
    .option('--year <year>', 'filing year (required)')
    .option('--quarter <q>', DOWNLOAD_HELP.quarter)
    .option('--form <type...>', 'only these form types, as the index writes them (e.g. 10-K 8-K 4)')
    .option('--cik <cik...>', DOWNLOAD_HELP.cik)
    .option('--limit <n>', 'at most n filings, earliest first (filing date, then accession)')
    .option('--user-agent <ua>', DOWNLOAD_HELP.userAgent)
    .option('--base-url <url>', DOWNLOAD_HELP.baseUrl)
    .option('--rate-limit <n>', DOWNLOAD_HELP.rateLimit)
    .option('--concurrency <n>', 'downloads in flight in this process (their starts still obey the shared rate limit)', '4')
    .option('--filings-dir <dir>', 'where filings land, as edgar/data/<cik>/<accession>.txt (env FILINGS_DIR, default data/filings)')
    .option('--json', 'print the summary as one JSON object on stdout')
    .addHelpText(
      'after',
      '\nSEC fair access (https://www.sec.gov/os/accessing-edgar-data): declare a User-Agent with a contact email, and\n' +
        'stay at or under 10 requests per second per user, whatever the number of machines. edgar refuses to start\n' +
        'without a User-Agent, and every edgar process using the same rate file (default FILINGS_DIR/.edgar-rate-limit.json,\n' +
        'or EDGAR_RATE_FILE) shares one budget. 429/503 answers slow everyone down (Retry-After honoured); a 403 pauses\n' +
        'every process for 10 minutes (or its Retry-After) and stops the run; 404 is reported; a full disk stops the run.\n' +
        'Each file is written to a hidden .part file and renamed when complete; Ctrl-C or a crash leaves no partial\n' +
        'filing, and running the same command again skips what is complete.\n' +
        'Exit status: 0 all fetched or already there; 1 some not found or failed, a 403, a full disk; 2 bad usage; 130 interrupted.\n' +
        'Example: EDGAR_USER_AGENT="Jane Doe jane@example.com" edgar download --year 2010 --quarter 1 --form 10-K --limit 50',
    )
    .action(action(() => import('./commands/download.js')));
}

/** `coordinate --download`: the same selection, queued as download jobs for the workers. */
export function downloadQueueOptions(cmd: Command): Command {
  return cmd
    .option('--download', 'queue download jobs from EDGAR\'s full index instead of scanning FILINGS_DIR (see `edgar download --help`)')
    .option('--quarter <q>', `with --download: ${DOWNLOAD_HELP.quarter}`)
    .option('--cik <cik...>', `with --download: ${DOWNLOAD_HELP.cik}`)
    .option('--extract', 'with --download: queue each filing for extraction as soon as it lands (--wait then waits for those too)')
    .option('--user-agent <ua>', `with --download: ${DOWNLOAD_HELP.userAgent}`)
    .option('--base-url <url>', `with --download: ${DOWNLOAD_HELP.baseUrl}`)
    .option('--rate-limit <n>', `with --download: ${DOWNLOAD_HELP.rateLimit}`);
}
