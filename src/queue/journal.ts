import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { isMissing, type QueueFs } from './fs.js';

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
 * needs. Where there is no boot id (not Linux), durable enqueue fsyncs every job file.
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

/** One line per job: the pending name, a tab, the file's bytes (JSON has no raw tab or newline). */
export function journalLine(name: string, bytes: Buffer): string {
  return `${name}\t${bytes.toString('utf8')}\n`;
}

export async function fsyncDir(fs: QueueFs, dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    await fs.fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The journal of one enqueueBatch call, appended to chunk by chunk. */
export class JournalWriter {
  readonly file: string;
  private fd: number | null = null;
  private offset = 0;
  private created = false;

  constructor(
    private readonly fs: QueueFs,
    private readonly dir: string,
    bootId: string,
  ) {
    this.file = path.join(dir, `${bootId}~${process.pid}~${randomBytes(4).toString('hex')}${JOURNAL_OPEN}`);
  }

  /**
   * Writes the chunk's lines now and returns its fsync, in flight. The first append also
   * syncs the folder, so the journal's own name survives the crash it is there for.
   */
  append(lines: string): Promise<void> {
    if (this.fd === null) {
      this.fd = this.fs.openSync(this.file, 'wx', 0o644);
      this.created = true;
    }
    const bytes = Buffer.from(lines, 'utf8');
    let off = 0;
    while (off < bytes.length) off += this.fs.writeSync(this.fd, bytes.subarray(off), this.offset + off);
    this.offset += bytes.length;
    const synced = this.fs.fsync(this.fd);
    if (this.offset !== bytes.length) return synced;
    return Promise.all([synced, fsyncDir(this.fs, this.dir)]).then(() => undefined);
  }

  /**
   * Ends the batch. Published: renamed to .pub, which lets a worker retire it after the
   * next filesystem sync. Nothing published: removed (no job of it was promised). Returns
   * false when the journal is gone: swept while this process was stopped for an hour, so
   * the caller must make its jobs durable another way before it returns.
   */
  finish(published: boolean): boolean {
    try {
      return this.end(published);
    } catch {
      return false;
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
 * Deletes this boot's journals whose jobs are durable now: one filesystem sync covers every
 * job file renamed before it began, so the journals listed before it are no longer needed.
 * A published journal goes at once; an open one (its writer died, or stopped, mid-batch)
 * after staleMs: a writer that comes back finds it gone and syncs on its own (finish).
 */
export async function retireJournals(fs: QueueFs, dir: string, bootId: string, probeNow: number, staleMs: number): Promise<number> {
  const ready: string[] = [];
  for (const j of listJournals(fs, dir)) {
    if (j.boot !== bootId) continue;
    const file = path.join(dir, j.name);
    try {
      if (j.published || probeNow - fs.statSync(file).mtimeMs > staleMs) ready.push(file);
    } catch {
      // Renamed or retired by someone else just now.
    }
  }
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
