import { Command, CommanderError, Option } from 'commander';
import { EXIT, UsageError } from './errors.js';
import { QueueConfigError } from '../queue/errors.js';
import { LOG_LEVELS } from '../log.js';
import { registerGraphCommands } from './register-graph.js';

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
