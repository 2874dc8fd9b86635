import * as os from 'node:os';
import { checkLocalWorker } from '../../queue/health.js';
import { FsQueue } from '../../queue/queue.js';
import { loadConfig } from '../../config.js';
import { parseDuration } from '../duration.js';
import { EXIT } from '../errors.js';
import type { CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  staleAfter?: string;
  id?: string;
}

/**
 * Docker's HEALTHCHECK runs this every interval, so it stays cheap: no logger, no queue
 * init (which would create folders and move probe files through every state), and the
 * queue modules are imported directly rather than through the package index.
 */
export default async function healthcheck(flags: Flags): Promise<number> {
  const config = loadConfig();
  const staleAfterMs = flags.staleAfter === undefined ? undefined : parseDuration(flags.staleAfter, '--stale-after');
  const queue = new FsQueue({ dir: flags.queueDir ?? config.queueDir });
  const workerId = flags.id ?? config.workerId;
  const health = checkLocalWorker(queue, {
    host: os.hostname(),
    ...(staleAfterMs === undefined ? {} : { staleAfterMs }),
    ...(workerId ? { workerId } : {}),
  });
  if (health.healthy) {
    process.stdout.write(`healthy: ${health.reason}\n`);
    return EXIT.ok;
  }
  process.stderr.write(`unhealthy: ${health.reason}\n`);
  return EXIT.jobsFailed;
}
