import { jobHandlers } from '../../pipeline/filing-job.js';
import { Worker, stopOnSignals } from '../../queue/index.js';
import { parseDuration, parsePositiveInt } from '../duration.js';
import { EXIT } from '../errors.js';
import { openGraphWriter } from '../neo4j-setup.js';
import { pipelineDirs } from '../pipeline-deps.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  concurrency: string;
  once?: boolean;
  burst?: boolean;
  id?: string;
  staleAfter: string;
  grace: string;
  watch?: boolean;
  poll?: boolean;
  filingsDir?: string;
  graphDir?: string;
}

export default async function workerCommand(flags: Flags): Promise<number> {
  const { config, log } = runtime(flags);
  // Until the Worker runs there is nothing to drain or hand back, so a signal now (docker
  // stop while Neo4j's driver loads) is a clean stop: exit 0, not the default action's 143.
  // Installed before the first await; replaced by the Worker's own handlers below.
  const beforeStart = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopped before the worker started');
    process.exit(EXIT.ok);
  };
  process.on('SIGTERM', beforeStart);
  process.on('SIGINT', beforeStart);
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency');
  const staleAfterMs = parseDuration(flags.staleAfter, '--stale-after');
  const graceMs = parseDuration(flags.grace, '--grace');
  const queue = openQueue(config.queueDir, { create: true });
  const graphWriter = await openGraphWriter(config, log);
  const worker = new Worker({
    queue,
    handler: jobHandlers({ ...pipelineDirs(config, flags, queue.dir, log), ...(graphWriter ? { graphWriter } : {}) }),
    ...(flags.id ?? config.workerId ? { workerId: (flags.id ?? config.workerId) as string } : {}),
    concurrency,
    staleAfterMs,
    graceMs,
    once: flags.once === true,
    burst: flags.burst === true,
    watch: flags.watch === false ? false : flags.poll ? 'poll' : true,
    log,
  });
  process.off('SIGTERM', beforeStart);
  process.off('SIGINT', beforeStart);
  stopOnSignals(worker, { graceMs });
  const summary = await worker.run().finally(() => graphWriter?.close());
  return summary.failed > 0 && (flags.once || flags.burst) ? EXIT.jobsFailed : EXIT.ok;
}
