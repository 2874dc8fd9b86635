import { execFile, execFileSync } from 'node:child_process';
import * as nodeFs from 'node:fs';

/**
 * Every filesystem call the queue makes goes through this interface, so tests can inject
 * EXDEV, ENOSPC, EIO or a race at an exact step. Metadata operations are synchronous on
 * purpose: a rename or utimes costs a few microseconds, and the thread-pool round trip of
 * fs.promises costs more than the call itself. Only fsync is asynchronous, because durable
 * enqueue wants many of them in flight at once so the journal commits them together.
 */
export interface QueueFs {
  renameSync(from: string, to: string): void;
  readFileSync(path: string): Buffer;
  writeFileSync(path: string, data: string | Uint8Array, options: { flag: string }): void;
  readdirSync(path: string): string[];
  statSync(path: string): nodeFs.Stats;
  utimesSync(path: string, atime: number | Date, mtime: number | Date): void;
  futimesSync(fd: number, atime: number | Date, mtime: number | Date): void;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  unlinkSync(path: string): void;
  mkdirSync(path: string, options: { recursive: boolean }): void;
  /** Removes a folder and what is in it (a lock folder). */
  rmSync(path: string): void;
  openSync(path: string, flags: string | number, mode?: number): number;
  writeSync(fd: number, data: Uint8Array, position?: number): number;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  fsync(fd: number): Promise<void>;
  fsyncSync(fd: number): void;
  /** Flushes the whole filesystem holding path (syncfs(2)); retires the enqueue journal. */
  syncfs(path: string): Promise<void>;
  syncfsSync(path: string): void;
}

export const nodeQueueFs: QueueFs = {
  renameSync: (from, to) => nodeFs.renameSync(from, to),
  readFileSync: (path) => nodeFs.readFileSync(path),
  writeFileSync: (path, data, options) => nodeFs.writeFileSync(path, data, options),
  readdirSync: (path) => nodeFs.readdirSync(path),
  statSync: (path) => nodeFs.statSync(path),
  utimesSync: (path, atime, mtime) => nodeFs.utimesSync(path, atime, mtime),
  futimesSync: (fd, atime, mtime) => nodeFs.futimesSync(fd, atime, mtime),
  readSync: (fd, buffer, offset, length, position) => nodeFs.readSync(fd, buffer, offset, length, position),
  unlinkSync: (path) => nodeFs.unlinkSync(path),
  mkdirSync: (path, options) => void nodeFs.mkdirSync(path, options),
  rmSync: (path) => nodeFs.rmSync(path, { recursive: true, force: true }),
  openSync: (path, flags, mode) => nodeFs.openSync(path, flags, mode),
  writeSync: (fd, data, position) => nodeFs.writeSync(fd, data, 0, data.length, position ?? null),
  ftruncateSync: (fd, length) => nodeFs.ftruncateSync(fd, length),
  closeSync: (fd) => nodeFs.closeSync(fd),
  fsync: (fd) =>
    new Promise<void>((resolve, reject) => nodeFs.fsync(fd, (err) => (err ? reject(err) : resolve()))),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  // Node has no syncfs binding; coreutils' `sync -f` is that one system call, in a child
  // process, so neither the event loop nor the thread pool waits on it.
  syncfs: (path) =>
    new Promise<void>((resolve, reject) =>
      execFile('sync', ['-f', path], { timeout: SYNC_TIMEOUT_MS }, (err, _out, stderr) => (err ? reject(syncFailed(path, stderr, err)) : resolve())),
    ),
  syncfsSync: (path) => {
    try {
      execFileSync('sync', ['-f', path], { timeout: SYNC_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw syncFailed(path, (err as { stderr?: Buffer }).stderr, err as Error);
    }
  },
};

const SYNC_TIMEOUT_MS = 120_000;

function syncFailed(path: string, stderr: string | Buffer | undefined, err: Error): Error {
  return new Error(`sync -f ${path} failed: ${String(stderr ?? '').trim() || err.message}`);
}

/** Writes all of `bytes` (a write may take less than asked), at `position` when given. */
export function writeAll(fs: QueueFs, fd: number, bytes: Uint8Array, position?: number): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes.subarray(off), position === undefined ? undefined : position + off);
}

/** Makes a folder's entries (names created, renamed, removed) durable. */
export async function fsyncDir(fs: QueueFs, dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    await fs.fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDirSync(fs: QueueFs, dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Waits for every fsync before it reports the first failure: a descriptor may be closed
 * only once no fsync of it is still queued (else it would sync a reused descriptor).
 */
export async function settleAll(all: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(all)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export const isMissing = (err: unknown): boolean => errnoCode(err) === 'ENOENT';
