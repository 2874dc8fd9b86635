import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { fsyncDir, isMissing, settleAll, type QueueFs } from './fs.js';

/**
 * The enqueue journal: how a durable batch pays one fsync per chunk of jobs instead of one
 * per job file.
 *
 * A job file that was written and renamed but never fsynced survives anything but the
 * kernel going down (a killed process leaves the page cache intact). So the only thing a
 * durable enqueue must add is a way back after an OS crash or a power cut: each chunk's
 * names and bytes are appended to one journal file and that file is fsynced, before the
 * chunk's job files are renamed into pending/. The journal's name carries the kernel's
 * boot id, which changes exactly when the page cache may have been lost:
 *
 * - a journal of the current boot is never replayed; once its batch is published (the
 *   file renamed from .log to .pub), a worker syncs the filesystem (syncfs(2), through
 *   coreutils' `sync -f`, off the hot path) and deletes it;
 * - a journal of an earlier boot is replayed by the first queue process to start
 *   (FsQueue.init, under a lock, before anything can be claimed): every job it names that
 *   is in no state folder is written again into pending/, and a pending or claimed file
 *   whose bytes no longer match is rewritten.
 *
 * This is the write-ahead log of a database, cut to what a queue of immutable job files
 * needs. It is only sound where every process that sees the folder runs on one kernel, so
 * that a foreign boot id can only be a past one: a local filesystem (journalUsable).
 * Elsewhere durable enqueue fsyncs every job file.
 */

export const JOURNAL_OPEN = '.log';
export const JOURNAL_PUBLISHED = '.pub';

/** The kernel's boot id, or null where there is none (then the journal is not used). */
export function currentBootId(): string | null {
  try {
    const id = nodeFs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return /^[0-9A-Za-z-]{8,64}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * Filesystems that one kernel mounts at a time (statfs f_type). A network or FUSE folder
 * (NFS, SMB, virtiofs and Docker Desktop's shares, 9p, sshfs) can be shared by two live
 * kernels, whose boot ids differ without any crash, and syncfs may not reach its server.
 */
const LOCAL_FILESYSTEMS = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0x794c7630, // overlayfs (a container's own layer)
]);

/**
 * Whether durable batches may go through the journal: a boot id, a local filesystem, and
 * Linux 5.8 or later (before it, syncfs(2) returned 0 even when writeback had failed, so a
 * journal could be retired for data that never reached the disk).
 */
export function journalUsable(bootId: string | null, fsType: number | null, release: string = os.release()): boolean {
  return journalRefusal(bootId, fsType, release) === null;
}

/** Why the journal is not used here, for `doctor`; null when it is. */
export function journalRefusal(bootId: string | null, fsType: number | null, release: string = os.release()): string | null {
  if (bootId === null) return 'the system has no boot id (not Linux)';
  if (fsType === null || !LOCAL_FILESYSTEMS.has(fsType)) return `the queue is not on a local filesystem (statfs type 0x${(fsType ?? 0).toString(16)}): NFS, SMB, FUSE or 9p can be shared by two running systems`;
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  if (!(major > 5 || (major === 5 && minor >= 8))) return `Linux ${release} is older than 5.8, whose syncfs(2) reports writeback errors`;
  return null;
}

export function filesystemType(dir: string): number | null {
  try {
    return nodeFs.statfsSync(dir).type;
  } catch {
    return null;
  }
}

export interface JournalFile {
  name: string;
  boot: string;
  published: boolean;
}

/** `<boot id>~<pid>~<random>.log|.pub`; anything else in the folder is not ours. */
export function parseJournalName(name: string): JournalFile | null {
  const published = name.endsWith(JOURNAL_PUBLISHED);
  if (!published && !name.endsWith(JOURNAL_OPEN)) return null;
  const parts = name.slice(0, -4).split('~');
  if (parts.length !== 3 || !parts[0]) return null;
  return { name, boot: parts[0], published };
}

export function listJournals(fs: QueueFs, dir: string): JournalFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  return names.map(parseJournalName).filter((j): j is JournalFile => j !== null);
}

/** The job ids the journals of this boot still name (prune keeps their records). */
export function journaledIds(fs: QueueFs, dir: string, bootId: string, idOf: (pendingName: string) => string | undefined): Set<string> {
  const ids = new Set<string>();
  for (const j of listJournals(fs, dir)) {
    if (j.boot !== bootId) continue;
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, j.name)).toString('utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const id = idOf(line.slice(0, line.indexOf('\t')));
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}

/** One line per job: the pending name, a tab, the file's bytes (JSON has no raw tab or newline). */
export function journalLine(name: string, bytes: Buffer): string {
  return `${name}\t${bytes.toString('utf8')}\n`;
}

/** The journal of one enqueueBatch call, appended to chunk by chunk. */
export class JournalWriter {
  readonly file: string;
  private fd: number | null = null;
  private offset = 0;
  private created = false;
  /** Lines of a chunk that was not queued could not be cut: never publish this journal. */
  private cutFailed = false;

  constructor(
    private readonly fs: QueueFs,
    private readonly dir: string,
    bootId: string,
  ) {
    this.file = path.join(dir, `${bootId}~${process.pid}~${randomBytes(4).toString('hex')}${JOURNAL_OPEN}`);
  }

  /**
   * Writes the chunk's lines now and returns its fsync, in flight, and where each line
   * starts (for drop). The first append also syncs the folder, so the journal's own name
   * survives the crash it is there for.
   */
  append(lines: string[]): { synced: Promise<void>; starts: number[] } {
    if (this.fd === null) {
      this.fd = this.fs.openSync(this.file, 'wx', 0o644);
      this.created = true;
    }
    const starts: number[] = [];
    const parts: Buffer[] = [];
    let at = this.offset;
    for (const line of lines) {
      const b = Buffer.from(line, 'utf8');
      starts.push(at);
      parts.push(b);
      at += b.length;
    }
    const bytes = Buffer.concat(parts);
    // Not writeAll: a failure must know whether anything reached the file.
    let off = 0;
    try {
      while (off < bytes.length) off += this.fs.writeSync(this.fd, bytes.subarray(off), this.offset + off);
    } catch (err) {
      // Whole lines of a chunk that is not queued must not be replayed after a crash.
      if (off > 0) this.cut(this.offset);
      throw err;
    }
    const first = this.offset === 0;
    this.offset += bytes.length;
    const synced = first ? settleAll([this.fs.fsync(this.fd), fsyncDir(this.fs, this.dir)]) : this.fs.fsync(this.fd);
    return { synced, starts };
  }

  /**
   * Cuts the journal back to `at`: the jobs from there on were not queued (their chunk
   * failed), so a replay after a crash must not bring them in. Best effort: were the cut
   * itself lost in that crash, they would come back, queued once, which is no loss.
   */
  drop(at: number): void {
    if (this.fd === null || at >= this.offset) return;
    this.cut(at);
    this.offset = at;
  }

  private cut(at: number): void {
    try {
      this.fs.ftruncateSync(this.fd as number, at);
    } catch {
      this.cutFailed = true; // finish() then has the caller sync and remove the journal
    }
  }

  /**
   * Ends the batch. Published: renamed to .pub, which lets a worker retire it after the
   * next filesystem sync. Nothing published: removed (no job of it was promised). Returns
   * false when the journal cannot stand for the batch: gone (swept while this process was
   * stopped for an hour), or holding lines of a failed chunk it could not cut. The caller
   * must then sync the filesystem and call remove() before it returns.
   */
  finish(published: boolean): boolean {
    try {
      return this.end(published);
    } catch {
      return false;
    }
  }

  /** After the caller's filesystem sync: the journal is not needed, and may mislead. */
  remove(): void {
    try {
      this.fs.unlinkSync(this.file);
    } catch {
      // Gone already.
    }
  }

  private end(published: boolean): boolean {
    if (this.fd !== null) {
      try {
        this.fs.closeSync(this.fd);
      } catch {
        // Written and synced already; a failed close loses nothing.
      }
      this.fd = null;
    }
    if (!this.created) return true;
    if (this.cutFailed && published) return false;
    try {
      if (published) this.fs.renameSync(this.file, this.file.slice(0, -JOURNAL_OPEN.length) + JOURNAL_PUBLISHED);
      else this.fs.unlinkSync(this.file);
      return true;
    } catch (err) {
      if (isMissing(err)) return !published;
      throw err;
    }
  }
}

/**
 * How long after a batch is published workers wait before they retire its journal: the
 * kernel's own flusher writes dirty data back once it is dirty_expire old (checking every
 * dirty_writeback), so by then the batch is on disk already and the sync that retires the
 * journal has next to nothing to write. Syncing at once would force the batch's writeback
 * onto the workers that have just started to drain it (measured: a tenth of a 20,000-job
 * drain with 4 workers). 35 s with the kernel's defaults; at most 10 minutes.
 */
export function journalSettleMs(readProc: (file: string) => string = (f) => nodeFs.readFileSync(f, 'utf8')): number {
  const centis = (name: string, fallback: number) => {
    try {
      const v = Number(readProc(`/proc/sys/vm/${name}`).trim());
      return Number.isInteger(v) && v >= 0 ? v : fallback;
    } catch {
      return fallback;
    }
  };
  return Math.min(10 * 60_000, (centis('dirty_expire_centisecs', 3000) + centis('dirty_writeback_centisecs', 500)) * 10);
}

/** Which of the journals in a folder a sync may retire now (readyJournals). */
export interface RetireRule {
  /** Only this boot's: an earlier boot's journals are replayed, never retired. */
  bootId: string;
  /** The filesystem's clock, as the ages are measured against it. */
  probeNow: number;
  /** An open journal (its writer died, or stopped, mid-batch) once this old. */
  staleMs: number;
  /** A published journal once this old: journalSettleMs for workers, 0 (at once) for prune. */
  olderThanMs: number;
}

/**
 * Deletes this boot's journals whose jobs are durable now: one filesystem sync covers every
 * job file renamed before it began, so the journals listed before it are no longer needed.
 * Which ones: see RetireRule. A writer that comes back to find its open journal gone syncs
 * on its own (finish).
 */
export async function retireJournals(fs: QueueFs, dir: string, rule: RetireRule, wait = false): Promise<number> {
  // One sync at a time across the workers: while another retires, this one need not (but
  // prune, which must not delete what a journal still names, waits for it).
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: `${dir}.retire.lock`,
      stale: 120_000,
      retries: wait ? { retries: 600, minTimeout: 200, maxTimeout: 200 } : 0,
      realpath: false,
      // Taken over as stale (this process stood still for minutes): the sync it ran still
      // holds, so what it deletes next is still safe to delete. Not worth a crash.
      onCompromised: () => undefined,
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') return 0;
    throw err;
  }
  try {
    return await retireUnlocked(fs, dir, rule);
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * The journals a sync may retire now. A journal's age is that of its last write (a rename
 * to .pub keeps the mtime). With olderThanMs 0 every published one is ready, even one
 * whose mtime is ahead of probeNow (a clock stepped back).
 */
export function readyJournals(fs: QueueFs, dir: string, { bootId, probeNow, staleMs, olderThanMs }: RetireRule): string[] {
  const ready: string[] = [];
  for (const j of listJournals(fs, dir)) {
    if (j.boot !== bootId) continue;
    const file = path.join(dir, j.name);
    try {
      const age = probeNow - fs.statSync(file).mtimeMs;
      if (j.published ? olderThanMs <= 0 || age >= olderThanMs : age > staleMs) ready.push(file);
    } catch {
      // Renamed or retired by someone else just now.
    }
  }
  return ready;
}

async function retireUnlocked(fs: QueueFs, dir: string, rule: RetireRule): Promise<number> {
  const ready = readyJournals(fs, dir, rule);
  if (ready.length === 0) return 0;
  await fs.syncfs(dir);
  let retired = 0;
  for (const file of ready) {
    try {
      fs.unlinkSync(file);
      retired++;
    } catch {
      // Another worker retired it first.
    }
  }
  return retired;
}
