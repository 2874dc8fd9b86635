import * as fs from 'node:fs';
import { describeFsError, type FsQueue } from './queue.js';
import { sanitizeWorkerId } from './names.js';
import { readWorkerRecords, type LiveWorker } from './worker-registry.js';

export interface LocalWorkerHealth {
  healthy: boolean;
  /** One line, fit for `docker inspect`'s health log. */
  reason: string;
  worker?: LiveWorker;
}

export interface LocalWorkerCheck {
  /** Records are matched on the host name the worker wrote (os.hostname() of its process). */
  host: string;
  /**
   * A record older than this (against the queue's probe clock) is a worker that stopped
   * heartbeating. Default: the lease the worker wrote in its record, so a worker started
   * with a longer --stale-after (and so a slower heartbeat) is not called dead too early.
   */
  staleAfterMs?: number;
  /** Only this worker id (WORKER_ID / --id), when the host runs several. */
  workerId?: string;
}

/**
 * Signal 0 checks a pid without touching the process. It means something only in the
 * caller's pid namespace, which is why records are first matched on the host name: a
 * container's healthcheck runs in the container that runs the worker.
 */
export function pidIsRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The Worker's own default lease (src/queue/worker.ts). */
const DEFAULT_LEASE_MS = 60_000;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/**
 * Whether a worker of this host is alive and able to claim: its process exists, its
 * heartbeat (the record under meta/workers/, rewritten every lease/3 by the same event
 * loop that claims) is fresh, and the queue folders are writable from here (a claim is a
 * rename in them). It reads; its only write is the probe file that `status` also touches,
 * because record ages are measured on the filesystem's clock, as everywhere in the queue.
 */
export function checkLocalWorker(queue: FsQueue, opts: LocalWorkerCheck): LocalWorkerHealth {
  if (!fs.existsSync(queue.dir)) return { healthy: false, reason: `no queue at ${queue.dir}` };
  for (const state of ['pending', 'processing'] as const) {
    try {
      fs.accessSync(queue.stateDir(state), fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      return { healthy: false, reason: `cannot claim from ${queue.stateDir(state)}: ${describeFsError(err)}` };
    }
  }
  let probeNow: number;
  try {
    probeNow = queue.probeNow();
  } catch (err) {
    return { healthy: false, reason: (err as Error).message };
  }
  const wantedId = opts.workerId === undefined ? undefined : sanitizeWorkerId(opts.workerId);
  const limitOf = (w: LiveWorker): number => opts.staleAfterMs ?? w.staleAfterMs ?? DEFAULT_LEASE_MS;
  const mine = readWorkerRecords(queue, Infinity, probeNow)
    .filter((w) => w.host === opts.host && (wantedId === undefined || w.id === wantedId))
    .map((w) => ({ ...w, alive: w.ageMs <= limitOf(w) }))
    .sort((a, b) => a.ageMs - b.ageMs);
  const who = wantedId === undefined ? `host ${opts.host}` : `worker ${wantedId} on host ${opts.host}`;
  if (mine.length === 0) {
    return { healthy: false, reason: `no worker record for ${who} in ${queue.workersDir} (is \`edgar worker\` running here?)` };
  }
  const good = mine.find((w) => w.alive && pidIsRunning(w.pid));
  if (good) {
    return {
      healthy: true,
      worker: good,
      reason: `worker ${good.id} (pid ${good.pid}) heartbeat ${seconds(good.ageMs)} ago, ${good.processed} done, ${good.failed} failed`,
    };
  }
  const w = mine[0] as LiveWorker;
  if (!pidIsRunning(w.pid)) {
    return { healthy: false, worker: w, reason: `worker ${w.id} (pid ${w.pid}) is not running; its record is left over` };
  }
  return {
    healthy: false,
    worker: w,
    reason: `worker ${w.id} (pid ${w.pid}) last heartbeat ${seconds(w.ageMs)} ago, over the ${seconds(limitOf(w))} limit: its event loop is stuck or the queue volume stalls`,
  };
}
