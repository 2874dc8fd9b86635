import * as fs from 'node:fs';
import { describeFsError, type FsQueue } from './queue.js';
import { sanitizeWorkerId } from './names.js';
import { processStartTicks, readWorkerRecords, type LiveWorker } from './worker-registry.js';

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
 * The record carries loopAt as of its last rewrite (every lease/3), and an idle loop turns
 * on the ~2 s rescan (jittered up to 2.5 s): allowed on top of the lease before the loop
 * counts as stalled.
 */
const LOOP_SLACK_MS = 5_000;

/** The record's worker is this pid's process, not an earlier one under the same pid (a restarted container). */
function sameProcess(w: LiveWorker): boolean {
  if (w.pidStart === undefined) return true;
  const now = processStartTicks(w.pid);
  return now === null || now === w.pidStart;
}

/** How long ago the claim loop last turned, on this host's clock (the worker's too: same host), or null if the record does not say. */
function loopAgeMs(w: LiveWorker, now: number): number | null {
  const at = w.loopAt === undefined ? NaN : Date.parse(w.loopAt);
  return Number.isFinite(at) ? Math.max(0, now - at) : null;
}

/**
 * Whether a worker of this host is alive and able to claim: its process exists and is the
 * one that wrote the record (not a later process under a reused pid), its heartbeat (the
 * record under meta/workers/, rewritten every lease/3) is fresh, its claim loop turned
 * recently (loopAt in that record), and the queue folders are writable from here (a claim
 * is a rename in them). It reads; its only write is the probe file that `status` also touches,
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
  const now = Date.now();
  const loopStalled = (w: LiveWorker): boolean => (loopAgeMs(w, now) ?? 0) > limitOf(w) + LOOP_SLACK_MS;
  const good = mine.find((w) => w.alive && pidIsRunning(w.pid) && sameProcess(w) && !loopStalled(w));
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
  if (!sameProcess(w)) {
    return {
      healthy: false,
      worker: w,
      reason: `worker ${w.id} (pid ${w.pid}) is gone: pid ${w.pid} is now another process (a restart reuses pids); its record is left over`,
    };
  }
  if (w.alive && loopStalled(w)) {
    return {
      healthy: false,
      worker: w,
      reason: `worker ${w.id} (pid ${w.pid}) heartbeats, but its claim loop last turned ${seconds(loopAgeMs(w, now) ?? 0)} ago, over the ${seconds(limitOf(w) + LOOP_SLACK_MS)} limit: it no longer claims`,
    };
  }
  return {
    healthy: false,
    worker: w,
    reason: `worker ${w.id} (pid ${w.pid}) last heartbeat ${seconds(w.ageMs)} ago, over the ${seconds(limitOf(w))} limit: its event loop is stuck or the queue volume stalls`,
  };
}
