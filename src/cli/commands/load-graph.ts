import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFragmentFiles } from '../../graph/file-store.js';
import { coordinate, waitIdsOf } from '../../pipeline/coordinate.js';
import { jobHandlers } from '../../pipeline/filing-job.js';
import { waitForJobs } from '../../pipeline/wait.js';
import { Worker } from '../../queue/index.js';
import { parseDuration, parsePositiveInt } from '../duration.js';
import { EXIT, UsageError } from '../errors.js';
import { openGraphWriter, prepareNeo4j } from '../neo4j-setup.js';
import { pipelineDirs } from '../pipeline-deps.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';
import { reportWait } from '../wait-report.js';
import { coordinateOptions, parseYear } from './coordinate.js';

interface Flags extends CommonFlags {
  year?: string;
  limit?: string;
  form?: string[];
  ai?: boolean;
  extractor?: string;
  force?: boolean;
  distributed?: boolean;
  workers?: string;
  timeout?: string;
  filingsDir?: string;
  graphDir?: string;
}

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'edgar');

/**
 * The one-shot job: queue the year's filings, then run them here (default), in N local
 * worker processes (--workers N), or wait for workers running elsewhere (--distributed).
 * The work always goes through the queue, so a crash half-way loses nothing: run it again.
 */
export default async function loadGraph(flags: Flags): Promise<number> {
  const { config, log } = runtime(flags);
  const year = parseYear(flags.year);
  if (year === undefined) throw new UsageError('--year is required (e.g. edgar load-graph --year 2010 --limit 10)');
  const limit = flags.limit !== undefined ? parsePositiveInt(flags.limit, '--limit') : undefined;
  const workers = flags.workers !== undefined ? parsePositiveInt(flags.workers, '--workers') : undefined;
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout') : undefined;
  if (workers !== undefined && flags.distributed) throw new UsageError('--workers starts local workers; --distributed waits for remote ones: pick one');
  const filingsDir = path.resolve(flags.filingsDir ?? config.filingsDir);
  const graphDir = path.resolve(flags.graphDir ?? config.graphDir);
  const queue = openQueue(config.queueDir, { create: true });
  await prepareNeo4j(config, log);
  const res = await coordinate(queue, await coordinateOptions(flags, config, { filingsDir, year, limit }));
  const mode = flags.distributed ? 'distributed' : workers !== undefined ? `${workers} local worker process(es)` : 'this process';
  process.stderr.write(`batch ${res.batchId}: ${res.queued.length} filing(s) of ${year} queued, ${res.skipped.length} already done or queued; running in ${mode}\n`);
  if (res.matched === 0) {
    process.stderr.write(`no filing of ${year} under ${filingsDir} (set --filings-dir or FILINGS_DIR; \`edgar sample --year ${year} --count 10\` makes demo filings)\n`);
    return EXIT.ok;
  }
  const ids = waitIdsOf(res);

  let inProcess: Worker | null = null;
  const children: ChildProcess[] = [];
  const graphWriter = !flags.distributed && workers === undefined ? await openGraphWriter(config, log) : undefined;
  if (!flags.distributed && workers === undefined) {
    inProcess = new Worker({ queue, handler: jobHandlers({ ...pipelineDirs(config, { filingsDir, graphDir }, queue.dir, log), ...(graphWriter ? { graphWriter } : {}) }), burst: true, concurrency: 2, log, ...(config.workerId ? { workerId: config.workerId } : {}) });
    void inProcess.run();
  } else if (workers !== undefined) {
    for (let i = 0; i < workers; i++) {
      children.push(
        spawn(process.execPath, [BIN, 'worker', '--burst', '--queue-dir', queue.dir, '--filings-dir', filingsDir, '--graph-dir', graphDir], {
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, WORKER_ID: `${config.workerId ?? 'load-graph'}-${process.pid}-${i + 1}` },
        }),
      );
    }
  }
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const waited = await waitForJobs(queue, { ids, signal: ac.signal, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    const code = reportWait(waited);
    if (code !== EXIT.interrupted) process.stderr.write(`graph: ${listFragmentFiles(graphDir).length} filing fragment(s) in ${graphDir} (\`edgar graph stats\`)\n`);
    return code;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    // Workers hand back whatever they still hold: an interrupted load resumes on the next run.
    await inProcess?.stop(0);
    await graphWriter?.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  }
}
