import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FsQueue } from './queue.js';
import { isJobFileName } from './names.js';
import type { Lane } from './pending-index.js';

/**
 * Each live worker keeps a small record under meta/workers/, rewritten every heartbeat,
 * so `status` works with no daemon: a record whose mtime is older than the stale limit
 * (against the probe clock) is a worker that is gone. What a worker holds is read from
 * the owner field of the names in processing/, which is always current.
 */
export interface WorkerRecord {
  id: string;
  pid: number;
  host: string;
  startedAt: string;
  lastSeen: string;
  concurrency: number;
  processed: number;
  failed: number;
  /** The worker's lease; a healthcheck judges the heartbeat against it (absent in older records). */
  staleAfterMs?: number;
  /**
   * When the claim loop last turned (a fill, a doorbell ring or the rescan timer). The
   * record is rewritten by its own timer whatever the loop does, so a fresh record alone
   * says the event loop runs, not that the worker still claims.
   */
  loopAt?: string;
  /**
   * The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22), where
   * /proc exists. A restarted container runs its worker under the same pid again: a record
   * left by the previous process names a pid that is alive but belongs to someone else.
   */
  pidStart?: number;
}

/** Field 22 of /proc/<pid>/stat, or null where there is no /proc (macOS) or no such process. */
export function processStartTicks(pid: number | 'self'): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or ')': split after the last one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isSafeInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

export function workerRecordPath(queue: FsQueue, workerId: string, nonce: string): string {
  return path.join(queue.workersDir, `${workerId}~${nonce}.json`);
}

export function writeWorkerRecord(queue: FsQueue, file: string, rec: WorkerRecord): void {
  const tmp = `${file}.${process.pid}.tmp`;
  queue.fs.writeFileSync(tmp, JSON.stringify(rec), { flag: 'w' });
  queue.fs.renameSync(tmp, file);
}

export function removeWorkerRecord(queue: FsQueue, file: string): void {
  try {
    queue.fs.unlinkSync(file);
  } catch {
    // Already swept.
  }
}

/**
 * The lease a worker's record declares for itself, when it does (older records do not):
 * a record is judged fresh by its own worker's lease, so that workers and reapers started
 * with different --stale-after agree on who is alive.
 */
export function ownLeaseMs(rec: { staleAfterMs?: unknown }): number | undefined {
  const own = rec.staleAfterMs;
  return typeof own === 'number' && Number.isFinite(own) && own > 0 ? own : undefined;
}

export interface LiveWorker extends WorkerRecord {
  ageMs: number;
  alive: boolean;
}

export function readWorkerRecords(queue: FsQueue, staleAfterMs: number, probeNow: number): LiveWorker[] {
  let names: string[];
  try {
    names = queue.fs.readdirSync(queue.workersDir).filter(isJobFileName);
  } catch {
    return [];
  }
  const out: LiveWorker[] = [];
  for (const n of names) {
    const file = path.join(queue.workersDir, n);
    try {
      const ageMs = Math.max(0, probeNow - queue.fs.statSync(file).mtimeMs);
      const rec = JSON.parse(queue.fs.readFileSync(file).toString('utf8')) as WorkerRecord;
      out.push({ ...rec, ageMs, alive: ageMs <= staleAfterMs });
    } catch {
      // Being replaced or swept right now.
    }
  }
  return out;
}

export const defaultWorkerId = (): string => `${process.env.HOSTNAME || os.hostname()}-${process.pid}`;

/**
 * This worker's lane: its place among the fresh records under meta/workers/, sorted by
 * file name, so every live worker works out the same split without talking to the others.
 * Null when it is alone or its own record is not there yet. A stale split (a worker just
 * started or died) costs only the lost renames the lanes are there to avoid.
 */
export function laneAmongWorkers(queue: FsQueue, recordFile: string, staleAfterMs: number, leases = new Map<string, number>()): Lane | null {
  let names: string[];
  try {
    names = queue.fs.readdirSync(queue.workersDir).filter(isJobFileName);
  } catch {
    return null;
  }
  const now = queue.fsNow();
  const live = names
    .filter((n) => {
      const file = path.join(queue.workersDir, n);
      try {
        const age = now - queue.fs.statSync(file).mtimeMs;
        // Each record is judged by its own worker's lease, so that workers started with
        // different --stale-after agree on who is alive (or some names would fall in
        // nobody's lane, and others in two). Read once per record; our own default else.
        let lease = leases.get(n);
        if (lease === undefined) {
          lease = ownLeaseMs(JSON.parse(queue.fs.readFileSync(file).toString('utf8')) as WorkerRecord) ?? staleAfterMs;
          leases.set(n, lease);
        }
        return age <= lease;
      } catch {
        return false;
      }
    })
    .sort();
  const index = live.indexOf(path.basename(recordFile));
  return index < 0 || live.length < 2 ? null : { index, count: live.length };
}
