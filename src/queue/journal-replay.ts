import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { QueueConfigError, messageOf } from './errors.js';
import { errnoCode, fsyncDirSync, isMissing, writeAll, type QueueFs } from './fs.js';
import { listJournals, type JournalFile } from './journal.js';
import { decodeId, finishedName, parseClaimedName, parsePendingName } from './names.js';

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

// Above the filesystem sync's own timeout (120 s), the longest step between refreshes.
const LOCK_STALE_MS = 5 * 60_000;
const LOCK_WAIT_MS = 10 * 60_000;
const LOCK_REFRESH_MS = 1_000;

export function replayOldJournals(ctx: ReplayContext): ReplayResult | null {
  const old = (): JournalFile[] => listJournals(ctx.fs, ctx.journalDir).filter((j) => j.boot !== ctx.bootId);
  if (old().length === 0) return null;
  const lock = lockWaiting(ctx.fs, ctx.lockPath);
  const result: ReplayResult = { journals: 0, recreated: [], repaired: [] };
  try {
    // Another process may have replayed them while we waited. Newest first: after a forced
    // re-run the same job is in two journals, and the later one's bytes are the ones queued.
    const todo = old()
      .map((j) => ({ j, at: mtimeOf(ctx.fs, path.join(ctx.journalDir, j.name)) }))
      .sort((a, b) => b.at - a.at)
      .map((x) => x.j);
    if (todo.length === 0) return null;
    const present = presentJobs(ctx, lock.keep);
    const settled = new Set<string>();
    for (const j of todo) replayOne(ctx, path.join(ctx.journalDir, j.name), present, settled, result, lock.keep);
    // One filesystem sync for every file written, not an fsync each: a crash took
    // thousands at once, and at 25 ms an fsync that would be over a minute. Only once what
    // they promised is durable again do the journals go, and only while the lock is ours.
    lock.assertOurs();
    if (result.recreated.length + result.repaired.length > 0) ctx.fs.syncfsSync(ctx.dirs.pending);
    lock.assertOurs();
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
    lock.release();
  }
}

function mtimeOf(fs: QueueFs, file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

interface Where {
  state: 'pending' | 'processing' | 'completed' | 'failed';
  name: string;
}

/** Every job id in a state folder, with where it is. */
function presentJobs(ctx: ReplayContext, keepLock: () => void): Map<string, Where[]> {
  const out = new Map<string, Where[]>();
  const add = (id: string | undefined, w: Where): void => {
    if (id === undefined) return;
    const list = out.get(id);
    if (list) list.push(w);
    else out.set(id, [w]);
  };
  const list = (dir: string): string[] => {
    keepLock();
    return ctx.fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  };
  for (const name of list(ctx.dirs.pending)) add(parsePendingName(name)?.id, { state: 'pending', name });
  for (const name of list(ctx.dirs.processing)) add(parseClaimedName(name)?.id, { state: 'processing', name });
  for (const state of ['completed', 'failed'] as const) {
    for (const name of list(ctx.dirs[state])) {
      // A quarantined record is named for `<id>~corrupt~<ms>~<hex>` (encoded, so the
      // tildes are %7E), or for a digest of a long id: it stands for its job too.
      try {
        const stem = decodeId(name.slice(0, -5));
        const quarantined = /~corrupt~\d+~[0-9a-f]+$/.test(stem);
        add(quarantined && /^id-[0-9a-f]{16}~/.test(stem) ? recordId(ctx, path.join(ctx.dirs[state], name)) : stem.replace(/~corrupt~\d+~[0-9a-f]+$/, ''), { state, name });
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

/** The id a record names, for a quarantined one filed under a digest of a long id. */
function recordId(ctx: ReplayContext, file: string): string | undefined {
  try {
    const v: unknown = JSON.parse(ctx.fs.readFileSync(file).toString('utf8'));
    const id = (v as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function replayOne(ctx: ReplayContext, file: string, present: Map<string, Where[]>, settled: Set<string>, result: ReplayResult, keepLock: () => void): void {
  let text: string;
  try {
    text = ctx.fs.readFileSync(file).toString('utf8');
  } catch (err) {
    if (isMissing(err)) return; // replayed and removed by a process that held the lock before
    throw err;
  }
  // Only whole lines count: a torn last line belongs to a chunk whose fsync never returned.
  const lines = text.split('\n').slice(0, -1);
  for (const line of lines) {
    keepLock();
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const name = line.slice(0, tab);
    const pending = parsePendingName(name);
    const bytes = Buffer.from(line.slice(tab + 1), 'utf8');
    // Any JSON is written back as it was journaled; a claim quarantines what is no job.
    if (!pending || !isJson(bytes)) continue;
    // A job named again in an older journal was settled by the newer one.
    if (settled.has(pending.id)) continue;
    settled.add(pending.id);
    const where = present.get(pending.id);
    if (!where) {
      writeAtomically(ctx, path.join(ctx.dirs.pending, name), bytes);
      present.set(pending.id, [{ state: 'pending', name }]);
      result.recreated.push(pending.id);
      continue;
    }
    // The file as enqueued, still waiting or claimed by a worker of the lost boot: its
    // bytes must be the journal's. Any other file of the job (retried, reaped, finished:
    // rewritten since, without an fsync) must at least be a record. Otherwise the crash
    // tore it, and the journal still has the job.
    for (const w of where) {
      const dest = path.join(ctx.dirs[w.state], w.name);
      let current: Buffer;
      try {
        current = ctx.fs.readFileSync(dest);
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      const original = w.state === 'pending' ? w.name === name : w.state === 'processing' && isClaimOf(w.name, name);
      if (original ? current.equals(bytes) : isRecord(current)) continue;
      if (w.state === 'pending' || w.state === 'processing') {
        writeAtomically(ctx, dest, bytes);
      } else if (w.name === finishedName(pending.id)) {
        // A torn finished record: its result is lost with it, so the job runs again.
        writeAtomically(ctx, path.join(ctx.dirs.pending, name), bytes);
        ctx.fs.unlinkSync(dest);
      } else {
        continue; // a quarantined record keeps what it kept
      }
      result.repaired.push(pending.id);
    }
  }
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function isRecord(bytes: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string';
  } catch {
    return false;
  }
}

/** A claim of this very pending file: same priority, due time and id, next attempt. */
function isClaimOf(claimed: string, pendingFile: string): boolean {
  const c = parseClaimedName(claimed);
  const p = parsePendingName(pendingFile);
  return c !== null && p !== null && claimed.split('~')[0] === pendingFile.split('~')[0] && c.attempts === p.attempts;
}

function writeAtomically(ctx: ReplayContext, dest: string, bytes: Buffer): void {
  const tmp = ctx.tmpPath();
  const fd = ctx.fs.openSync(tmp, 'wx', 0o644);
  try {
    writeAll(ctx.fs, fd, bytes);
  } finally {
    ctx.fs.closeSync(fd);
  }
  ctx.fs.renameSync(tmp, dest);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

interface ReplayLock {
  /** Refreshes the lock at most once a second; throws if another process has taken it. */
  keep(): void;
  /** Throws if the lock is no longer ours (check before an irreversible step). */
  assertOurs(): void;
  release(): void;
}

/**
 * A lock of its own, not proper-lockfile's: the replay is synchronous (init is), so the
 * lock must be refreshed by hand, and released only by its owner. proper-lockfile removes
 * the lock folder whoever holds it, also from its exit hook, which after a takeover let a
 * third process in. This one is a folder (mkdir is atomic) holding an owner token; a stale
 * folder is taken over by renaming it away (only one contender's rename wins), and the
 * token says who holds it now.
 */
function lockWaiting(fs: QueueFs, lockPath: string): ReplayLock {
  const token = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const ownerFile = path.join(lockPath, 'owner');
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lockPath, { recursive: false });
      fs.writeFileSync(ownerFile, token, { flag: 'wx' });
      break;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw new QueueConfigError(`cannot lock ${lockPath}: ${messageOf(err)}`);
    }
    if (Date.now() - mtimeOf(fs, lockPath) > LOCK_STALE_MS && mtimeOf(fs, lockPath) > 0) {
      // Its holder has not refreshed it for minutes: dead, or stopped. Move it away whole.
      const away = `${lockPath}.stale.${randomBytes(4).toString('hex')}`;
      try {
        fs.renameSync(lockPath, away);
        fs.rmSync(away);
      } catch {
        // Another contender moved it first, or it is gone: try again.
      }
      continue;
    }
    if (Date.now() > until) {
      throw new QueueConfigError(`another process has been replaying the enqueue journal for over ${LOCK_WAIT_MS / 60_000} minutes (it holds ${lockPath}); try again once it is done`);
    }
    Atomics.wait(sleeper, 0, 0, 50);
  }
  const ours = (): boolean => {
    try {
      return fs.readFileSync(ownerFile).toString('utf8') === token;
    } catch {
      return false;
    }
  };
  const lost = () =>
    new QueueConfigError(`lost the lock ${lockPath} while replaying the enqueue journal (this process stood still for over ${LOCK_STALE_MS / 60_000} minutes); the process that took it replays`);
  let refreshedAt = Date.now();
  return {
    keep() {
      if (Date.now() - refreshedAt < LOCK_REFRESH_MS) return;
      if (!ours()) throw lost();
      const t = new Date();
      fs.utimesSync(lockPath, t, t);
      refreshedAt = Date.now();
    },
    assertOurs() {
      if (!ours()) throw lost();
      refreshedAt = 0;
      this.keep();
    },
    release() {
      if (!ours()) return;
      try {
        fs.rmSync(lockPath);
      } catch {
        // Left behind: the next contender takes it over once it is stale.
      }
    },
  };
}
