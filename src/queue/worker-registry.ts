import * as os from 'node:os';
import * as path from 'node:path';
import type { FsQueue } from './queue.js';
import { isJobFileName } from './names.js';

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
