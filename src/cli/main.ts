import { Command, CommanderError, Option } from 'commander';
import { EXIT, InterruptedError, UsageError } from './errors.js';
import { QueueConfigError } from '../queue/errors.js';
import { LOG_LEVELS } from '../log.js';
import { aiOptions, filingsDirOption, graphDirOption } from './options.js';
import { registerGraphCommands } from './register-graph.js';
import { registerDownloadCommand } from './register-download.js';

/**
 * Commander wiring only. Each command's module is imported when it runs, so `--help`
 * and `status` start without loading what they do not use.
 */
// Commander hands each command its parsed flags; each module types the ones it declares.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Action = (opts: any, args: string[]) => Promise<number>;

function common(cmd: Command): Command {
  return cmd
    .option('--queue-dir <dir>', 'queue root (env QUEUE_DIR, default data/queue)')
    .addOption(new Option('--log-level <level>', 'pino log level (env LOG_LEVEL, default info)').choices(LOG_LEVELS))
    .option('--json-logs', 'JSON log lines even on a terminal (always JSON when stderr is not a terminal)');
}

function action(load: () => Promise<{ default: Action }>) {
  return async (...all: unknown[]): Promise<void> => {
    const cmd = all[all.length - 1] as Command;
    const opts = cmd.opts();
    const args = cmd.args;
    const mod = await load();
    process.exitCode = await mod.default(opts, args);
  };
}

export function buildProgram(): Command {
  const program = new Command('edgar')
    .description('SEC EDGAR filings to a knowledge graph, over a filesystem job queue shared by worker processes')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.trimEnd() + '\n') });

  const coordinate = common(program.command('coordinate'))
    .description('queue one job per filing of a year (filings found by their own headers), print the batch id; --wait follows them to the end')
    .option('--year <year>', 'filing year (FILED AS OF DATE)')
    .option('--limit <n>', 'queue at most n filings (in filing-date order)')
    .option('--form <type...>', 'only these form types (e.g. 10-K 8-K)');
  aiOptions(coordinate)
    .addOption(new Option('--priority <level>', 'run before or after other batches').choices(['high', 'normal', 'low']).default('normal'))
    .option('--force', 're-run filings that already completed')
    .option('--wait', 'show progress until every job of the batch has ended; without --year, wait for the queue')
    .option('--timeout <duration>', 'with --wait: give up waiting after this long (the jobs stay queued)')
    .option('--max-attempts <n>', 'attempts per job before it goes to failed/ (default 3)');
  filingsDirOption(coordinate).action(action(() => import('./commands/coordinate.js')));

  const worker = common(program.command('worker'))
    .description('claim and run jobs until stopped (SIGTERM/SIGINT: finish or hand back what it holds, exit 0)')
    .option('--concurrency <n>', 'jobs at once in this process', '1')
    .option('--once', 'run one job, then exit (waits for one if the queue is empty; add --burst to exit instead)')
    .option('--burst', 'exit when the queue is empty')
    .option('--id <id>', 'worker name (env WORKER_ID; default host name and pid)')
    .option('--stale-after <duration>', 'lease: a claim without heartbeat for this long is taken back by any reaper', '60s')
    .option('--grace <duration>', 'on SIGTERM, how long running jobs may finish before they are handed back', '8s')
    .option('--poll', 'stat polling instead of inotify for the wake-up (network or Docker Desktop volumes)')
    .option('--no-watch', 'no wake-up watcher at all: periodic rescans only');
  graphDirOption(filingsDirOption(worker)).action(action(() => import('./commands/worker.js')));

  const loadGraph = common(program.command('load-graph'))
    .description('the one-shot job: queue a year of filings and process them here, in N local workers, or by workers elsewhere')
    .option('--year <year>', 'filing year (required)')
    .option('--limit <n>', 'at most n filings')
    .option('--form <type...>', 'only these form types');
  aiOptions(loadGraph)
    .option('--force', 're-run filings that already completed')
    .option('--workers <n>', 'start n local worker processes and stop them at the end')
    .option('--distributed', 'queue, then wait for workers running elsewhere (containers, other terminals)')
    .option('--timeout <duration>', 'stop waiting after this long (the jobs stay queued)');
  graphDirOption(filingsDirOption(loadGraph)).action(action(() => import('./commands/load-graph.js')));

  filingsDirOption(
    common(program.command('doctor')).description('check the queue folder, the filings folder, Ollama and Neo4j; one line each, exit 1 if a required one fails'),
  )
    .option('--no-ai', 'do not check Ollama')
    .option('--create-constraints', 'create the Neo4j key constraints and property indexes that are missing (coordinate and load-graph also do), then check')
    .action(action(() => import('./commands/doctor.js')));

  common(program.command('status'))
    .description('counts per state, live workers and what each holds, stale jobs, oldest pending age, recent failures')
    .option('--json', 'one JSON object (see CONTRACT.md)')
    .option('--watch', 'refresh every second until Ctrl-C')
    .option('--stale-after <duration>', 'a claim without heartbeat for this long counts as stale', '60s')
    .action(action(() => import('./commands/status.js')));

  common(program.command('reap-stuck'))
    .description("move claims whose worker is gone back to pending/ (attempts + 1), or to failed/ once attempts are spent")
    .option('--stale-after <duration>', 'how long without a heartbeat makes a claim stale', '60s')
    .option('--dry-run', 'only say what would move')
    .option('--json', 'print the moves as JSON')
    .action(action(() => import('./commands/reap-stuck.js')));

  common(program.command('retry'))
    .description('move failed jobs back to pending/ with attempts reset')
    .argument('[jobIds...]', 'ids of failed jobs')
    .option('--all', 'every failed job')
    .action(action(() => import('./commands/retry.js')));

  common(program.command('prune'))
    .description('remove (optionally archive) finished job records older than a duration; ext4 folders never shrink')
    .addOption(new Option('--state <state>', 'which finished records').choices(['completed', 'failed', 'all']).default('completed'))
    .requiredOption('--older-than <duration>', 'age of the records to remove, e.g. 7d')
    .option('--archive <file>', 'append each removed record to this JSON-lines file first')
    .option('--dry-run', 'only count')
    .option('--json', 'print the counts as JSON')
    .action(action(() => import('./commands/prune.js')));

  common(program.command('healthcheck'))
    .description("exit 0 if a worker of this host (container) is alive and claiming, 1 with one line of why if not: Docker's HEALTHCHECK")
    .option('--stale-after <duration>', "a heartbeat older than this is unhealthy (default: the lease the worker runs with, 60s unless its --stale-after says otherwise)")
    .option('--id <id>', 'only this worker (env WORKER_ID; default any worker of this host)')
    .addHelpText(
      'after',
      '\nHealthy means: the worker process exists and is the one that wrote its record (same start time), the\n' +
        'heartbeat record under <queue>/meta/workers/ is fresh, its claim loop ran within the lease, and pending/ and\n' +
        'processing/ are writable from here. It writes only the probe file that `status` touches.\n' +
        'Exit status: 0 healthy, 1 unhealthy, 2 bad usage.',
    )
    .action(action(() => import('./commands/healthcheck.js')));

  registerDownloadCommand(program, common, action);
  registerGraphCommands(program, common, action);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof InterruptedError) {
      process.stderr.write(`edgar: ${err.message}\n`);
      return EXIT.interrupted;
    }
    if (err instanceof UsageError || err instanceof QueueConfigError) {
      process.stderr.write(`edgar: ${err.message}\n`);
      return EXIT.usage;
    }
    const e = err as Error;
    process.stderr.write(`edgar: ${e?.message ?? String(err)}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`${e?.stack ?? ''}\n`);
    return EXIT.jobsFailed;
  }
}

const code = await main(process.argv);
process.exitCode = code;
