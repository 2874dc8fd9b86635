import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { QueueConfigError, messageOf } from './errors.js';
import { isMissing, type QueueFs } from './fs.js';
import { listJournals, type JournalFile } from './journal.js';
import { decodeId, parseClaimedName, parsePendingName } from './names.js';

/**
 * Replays the enqueue journals of earlier boots (see journal.ts): after an OS crash, a job
 * whose enqueue had returned may have lost its file, or kept a name with empty or torn
 * bytes. Runs in FsQueue.init, so every process that could claim, reap or move a job waits
 * for it, and under a lock, so two processes starting together replay once.
 */

export interface ReplayResult {
  journals: number;
  /** Jobs written again into pending/: in no state folder after the crash. */
  recreated: string[];
  /** Pending or claimed files whose bytes had been lost or torn, rewritten. */
  repaired: string[];
}

interface ReplayContext {
  fs: QueueFs;
  journalDir: string;
  lockPath: string;
  bootId: string;
  dirs: { pending: string; processing: string; completed: string; failed: string };
  tmpPath: () => string;
}

const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 5 * 60_000;

export function replayOldJournals(ctx: ReplayContext): ReplayResult | null {
  const old = (): JournalFile[] => listJournals(ctx.fs, ctx.journalDir).filter((j) => j.boot !== ctx.bootId);
  if (old().length === 0) return null;
  const release = lockWaiting(ctx.lockPath, ctx.journalDir);
  const result: ReplayResult = { journals: 0, recreated: [], repaired: [] };
  try {
    const todo = old(); // another process may have replayed them while we waited
    if (todo.length === 0) return null;
    const present = presentJobs(ctx);
    let refreshedAt = Date.now();
    for (const j of todo) {
      replayOne(ctx, path.join(ctx.journalDir, j.name), present, result);
      // A long replay keeps its lock fresh, so no one takes it as abandoned.
      if (Date.now() - refreshedAt > LOCK_STALE_MS / 4) {
        refreshedAt = Date.now();
        ctx.fs.utimesSync(ctx.lockPath, new Date(), new Date());
      }
    }
    if (result.recreated.length + result.repaired.length > 0) {
      fsyncDirSync(ctx.fs, ctx.dirs.pending);
      fsyncDirSync(ctx.fs, ctx.dirs.processing);
    }
    // Only once what they promised is durable again do the journals go.
    for (const j of todo) {
      try {
        ctx.fs.unlinkSync(path.join(ctx.journalDir, j.name));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
      result.journals++;
    }
    fsyncDirSync(ctx.fs, ctx.journalDir);
    return result;
  } catch (err) {
    if (err instanceof QueueConfigError) throw err;
    throw new QueueConfigError(`cannot replay the enqueue journal in ${ctx.journalDir}: ${messageOf(err)}`);
  } finally {
    release();
  }
}

interface Where {
  state: 'pending' | 'processing' | 'completed' | 'failed';
  name: string;
}

/** Every job id in a state folder, with where it is. */
function presentJobs(ctx: ReplayContext): Map<string, Where[]> {
  const out = new Map<string, Where[]>();
  const add = (id: string | undefined, w: Where): void => {
    if (id === undefined) return;
    const list = out.get(id);
    if (list) list.push(w);
    else out.set(id, [w]);
  };
  const list = (dir: string): string[] => ctx.fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  for (const name of list(ctx.dirs.pending)) add(parsePendingName(name)?.id, { state: 'pending', name });
  for (const name of list(ctx.dirs.processing)) add(parseClaimedName(name)?.id, { state: 'processing', name });
  for (const state of ['completed', 'failed'] as const) {
    for (const name of list(ctx.dirs[state])) {
      // A quarantined record is `<id>~corrupt~…`: it stands for its job too.
      try {
        add(decodeId(name.slice(0, -5).split('~')[0] ?? ''), { state, name });
      } catch {
        // Not a name the queue writes: it stands for no job.
      }
    }
  }
  // Nothing should be moving (every claimer waits in init), but a job moved back from
  // processing/ to pending/ between the listings would be in neither: list pending/ again.
  for (const name of list(ctx.dirs.pending)) {
    const id = parsePendingName(name)?.id;
    if (id !== undefined && !out.get(id)?.some((w) => w.name === name)) add(id, { state: 'pending', name });
  }
  return out;
}

function replayOne(ctx: ReplayContext, file: string, present: Map<string, Where[]>, result: ReplayResult): void {
  const text = ctx.fs.readFileSync(file).toString('utf8');
  // Only whole lines count: a torn last line belongs to a chunk whose fsync never returned.
  const lines = text.split('\n').slice(0, -1);
  for (const line of lines) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const name = line.slice(0, tab);
    const pending = parsePendingName(name);
    const bytes = Buffer.from(line.slice(tab + 1), 'utf8');
    if (!pending || !isJson(bytes)) continue;
    const where = present.get(pending.id);
    if (!where) {
      writeAtomically(ctx, path.join(ctx.dirs.pending, name), bytes);
      present.set(pending.id, [{ state: 'pending', name }]);
      result.recreated.push(pending.id);
      continue;
    }
    // The same file as enqueued, still waiting or claimed by a worker of the lost boot:
    // its bytes must be the journal's, or the crash tore them.
    for (const w of where) {
      const same = w.state === 'pending' ? w.name === name : w.state === 'processing' && isClaimOf(w.name, name);
      if (!same) continue;
      const dest = path.join(w.state === 'pending' ? ctx.dirs.pending : ctx.dirs.processing, w.name);
      let current: Buffer;
      try {
        current = ctx.fs.readFileSync(dest);
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      if (current.equals(bytes)) continue;
      writeAtomically(ctx, dest, bytes);
      result.repaired.push(pending.id);
    }
  }
}

/** A claim of this very pending file: same priority, due time and id, next attempt. */
function isClaimOf(claimed: string, pendingFile: string): boolean {
  const c = parseClaimedName(claimed);
  const p = parsePendingName(pendingFile);
  return c !== null && p !== null && claimed.split('~')[0] === pendingFile.split('~')[0] && c.attempts === p.attempts;
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function writeAtomically(ctx: ReplayContext, dest: string, bytes: Buffer): void {
  const tmp = ctx.tmpPath();
  const fd = ctx.fs.openSync(tmp, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += ctx.fs.writeSync(fd, bytes.subarray(off));
    ctx.fs.fsyncSync(fd);
  } finally {
    ctx.fs.closeSync(fd);
  }
  ctx.fs.renameSync(tmp, dest);
}

function fsyncDirSync(fs: QueueFs, dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** proper-lockfile's lock, waited for: init is synchronous, so the wait is too. */
function lockWaiting(lockPath: string, target: string): () => void {
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const release = lockfile.lockSync(target, { lockfilePath: lockPath, stale: LOCK_STALE_MS, realpath: false });
      return () => {
        try {
          release();
        } catch {
          // Already released or taken over as stale: nothing left to undo.
        }
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'ELOCKED') throw new QueueConfigError(`cannot lock ${lockPath}: ${messageOf(err)}`);
      if (Date.now() > until) {
        throw new QueueConfigError(`another process has held ${lockPath} for over ${LOCK_WAIT_MS / 60_000} minutes while replaying the enqueue journal; if none is running, remove that folder`);
      }
      Atomics.wait(sleeper, 0, 0, 50);
    }
  }
}
