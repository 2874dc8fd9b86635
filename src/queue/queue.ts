import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
import { LeaseLostError, QueueConfigError, QueueError, RecordUpdateError, messageOf } from './errors.js';
import { errnoCode, fsyncDir, isMissing, nodeQueueFs, settleAll, writeAll, type QueueFs } from './fs.js';
import {
  claimedName,
  finishedName,
  idFromAnyName,
  isJobFileName,
  parseClaimedName,
  parseFinishedName,
  parsePendingName,
  pendingName,
  type ClaimedName,
  type PendingName,
  type Priority,
  PRIORITIES,
} from './names.js';
import { JournalWriter, currentBootId, filesystemType, journaledIds, journalLine, journalRefusal, listJournals, readyJournals, retireJournals } from './journal.js';
import { replayOldJournals, type ReplayResult } from './journal-replay.js';
import { type BatchRename, type RenameOutcome, renameInline, renameOffThread } from './batch-rename.js';
import { PendingIndex } from './pending-index.js';
import { ownLeaseMs } from './worker-registry.js';

export const STATES = ['pending', 'processing', 'completed', 'failed'] as const;
export type JobState = (typeof STATES)[number];

/** What an earlier attempt left in a job's record that a new claim must not carry. */
const FINISH_FIELDS = ['result', 'error', 'completedAt', 'failedAt'] as const;

export interface AttemptError {
  attempt: number;
  at: string;
  message: string;
  workerId?: string;
  /** Why the attempt ended: the handler threw, the lease expired, the file was unreadable. */
  kind: 'error' | 'lease-expired' | 'corrupt';
  permanent?: boolean;
}

/** A job as stored: queue fields plus whatever the producer put in (e.g. `filing`). */
export interface JobRecord {
  id: string;
  type: string;
  priority: Priority;
  attempts: number;
  maxAttempts: number;
  enqueuedAt: string;
  batchId?: string;
  options?: Record<string, unknown>;
  result?: unknown;
  error?: string;
  errors?: AttemptError[];
  completedAt?: string;
  failedAt?: string;
  workerId?: string;
  [field: string]: unknown;
}

export interface NewJob {
  id: string;
  type: string;
  priority?: Priority;
  maxAttempts?: number;
  batchId?: string;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  options?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface Claim {
  job: JobRecord;
  /** The owned file name in processing/: the fencing token. */
  name: string;
  attempt: number;
  parsed: ClaimedName;
  /**
   * The claimed file, open: the descriptor follows the inode through renames, so the
   * completion writes its record without opening anything. Closed by every way a claim
   * ends (complete, fail, release, dispose).
   */
  fd: number | null;
  /** Bytes of the record as claimed (a shorter completed record is truncated to fit). */
  size: number;
}

export interface ClaimOwner {
  workerId: string;
  nonce: string;
}

export interface QueueOptions {
  dir: string;
  fs?: QueueFs;
  /** Clock for due times and record stamps; staleness never uses it (see probeNow). */
  now?: () => number;
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Enqueue returns only once its jobs survive an OS crash (the only step at-least-once needs durable). */
  durable?: boolean;
  /**
   * The kernel's boot id (read from /proc by default): durable batches then go through
   * the enqueue journal (journal.ts) where the folder is on a local filesystem. null:
   * every job file is fsynced instead.
   */
  bootId?: string | null;
  /** Use the journal whatever the filesystem and kernel (tests); default: journalUsable. */
  journal?: boolean;
  /**
   * Rename a large batch's files into pending/ from a thread of their own, overlapping with
   * the creation of the next chunk (batch-rename.ts). Default: on, unless `fs` is injected
   * (its renames must stay in this thread for the faults to apply).
   */
  renameThread?: boolean;
  defaultMaxAttempts?: number;
  /** How many due candidates a claimer picks among at random. */
  claimSpread?: number;
  /** A view older than this is refreshed from a listing before the worker goes idle. */
  rescanMs?: number;
}

export interface ReapEntry {
  id: string;
  name: string;
  workerId: string;
  attempt: number;
  maxAttempts: number;
  staleForMs: number;
  to: 'pending' | 'failed' | 'quarantined';
}

export interface StaleInfo {
  id: string;
  name: string;
  workerId: string;
  attempt: number;
  ageMs: number;
  stale: boolean;
}

export interface PruneResult {
  removed: number;
  archived: number;
  kept: number;
}

/** Rewrites into pending/ land this far in the future at least, so no claimer can take
 *  the file between the fencing rename and the content rename (see moveAndRewrite). */
const MIN_REWRITE_DELAY_MS = 1_000;
const ENQUEUE_CHUNK = 256;

interface PreparedJob {
  record: JobRecord;
  name: string;
  tmp: string;
  bytes: Buffer;
}

interface StartedChunk {
  jobs: PreparedJob[];
  /** Open until the chunk is sent to be renamed. */
  fds: number[];
  synced: Promise<void>;
  /** Durable through this journal (pending/ needs no fsync of its own); where its lines start. */
  journal: JournalWriter | null;
  starts: number[];
}

interface MovingChunk {
  chunk: StartedChunk;
  renamed: Promise<RenameOutcome>;
}
/** Below this many jobs, fsyncing each file costs less than a journal's file and folder syncs. */
const JOURNAL_MIN_JOBS = 8;
const TMP_MAX_AGE_MS = 60 * 60_000;

export class FsQueue {
  readonly dir: string;
  readonly fs: QueueFs;
  readonly now: () => number;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  readonly durable: boolean;
  readonly bootId: string | null;
  /** Durable batches go through the enqueue journal (decided by init). */
  journaling = false;
  /** Why durable batches fsync every file here instead (doctor says it); null: they use the journal. */
  journalWhyNot: string | null = 'not initialised';
  private readonly journalOption: boolean | undefined;
  /** What init found to replay from an earlier boot's journals, if anything. */
  replayed: ReplayResult | null = null;
  readonly defaultMaxAttempts: number;
  private readonly claimSpread: number;
  private readonly rescanMs: number;
  readonly index = new PendingIndex();
  private indexDirty = true;
  private tmpCounter = 0;
  private readonly tmpPrefix = `${process.pid}.${randomBytes(3).toString('hex')}`;

  constructor(opts: QueueOptions) {
    this.dir = path.resolve(opts.dir);
    this.fs = opts.fs ?? nodeQueueFs;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.backoff = opts.backoff ?? defaultBackoff;
    this.durable = opts.durable ?? true;
    this.bootId = opts.bootId === undefined ? currentBootId() : opts.bootId;
    this.journalOption = opts.journal;
    this.defaultMaxAttempts = opts.defaultMaxAttempts ?? 3;
    this.claimSpread = opts.claimSpread ?? 8;
    this.rescanMs = opts.rescanMs ?? 2_000;
    this.renameHere = renameInline(this.fs);
    this.renameOff = opts.fs === undefined && opts.renameThread !== false ? renameOffThread() : null;
    this.dirs = {
      pending: path.join(this.dir, 'pending'),
      processing: path.join(this.dir, 'processing'),
      completed: path.join(this.dir, 'completed'),
      failed: path.join(this.dir, 'failed'),
      tmp: path.join(this.dir, 'tmp'),
      meta: path.join(this.dir, 'meta'),
    };
  }

  get journalDir(): string {
    return path.join(this.dir, 'meta', 'journal');
  }

  /** Renames in this thread, through this.fs: small batches, and every batch of a test's injected fs. */
  private readonly renameHere: BatchRename;
  /** The renaming thread (batch-rename.ts): batches of several chunks on the real filesystem. */
  private readonly renameOff: BatchRename | null;

  /** Where every other chunk of a large batch is written, so its creation never waits on tmp/'s lock (batch-rename.ts). */
  get tmpAltDir(): string {
    return path.join(this.dirs.tmp, 'alt');
  }

  /** Made on the first large batch (a queue that never has one keeps tmp/ flat); without it, no thread. */
  private ensureTmpAlt(): boolean {
    try {
      this.fs.mkdirSync(this.tmpAltDir, { recursive: true });
      return true;
    } catch {
      return false;
    }
  }

  /** The folders, joined once: path.join on every claim showed in profiles. */
  private readonly dirs: Record<JobState | 'tmp' | 'meta', string>;

  stateDir(state: JobState | 'tmp' | 'meta'): string {
    return this.dirs[state];
  }

  get workersDir(): string {
    return path.join(this.dir, 'meta', 'workers');
  }

  get doorbellPath(): string {
    return path.join(this.dir, 'meta', 'doorbell');
  }

  /**
   * Creates the folders and refuses a layout where a rename would not be atomic: every
   * state folder must sit on the filesystem of the queue root (st_dev), and be writable.
   */
  init(): this {
    const dirs = [...STATES, 'tmp', 'meta'].map((s) => path.join(this.dir, s));
    dirs.push(this.workersDir, this.journalDir);
    for (const d of dirs) {
      try {
        this.fs.mkdirSync(d, { recursive: true });
      } catch (err) {
        throw new QueueConfigError(`cannot create queue folder ${d}: ${describeFsError(err)}`);
      }
    }
    const devices = new Map<number, string>();
    for (const d of dirs) {
      let dev: number;
      try {
        dev = this.fs.statSync(d).dev;
      } catch (err) {
        throw new QueueConfigError(`cannot read queue folder ${d}: ${describeFsError(err)}`);
      }
      devices.set(dev, d);
    }
    if (devices.size > 1) {
      throw new QueueConfigError(
        `queue folders are on different filesystems (${[...devices.values()].join(', ')}): a rename between them is not atomic; mount the whole queue folder as one volume`,
      );
    }
    const probe = path.join(this.dir, 'tmp', `.writable.${this.tmpPrefix}`);
    try {
      this.fs.writeFileSync(probe, 'ok', { flag: 'w' });
    } catch (err) {
      throw new QueueConfigError(`queue folder ${this.dir} is not writable: ${describeFsError(err)}`);
    }
    // Separate bind mounts of one filesystem share st_dev, yet a rename between them fails
    // with EXDEV: try the moves a job makes, through every state folder, before trusting them.
    let at = probe;
    try {
      for (const s of [...STATES, 'tmp']) {
        const next = path.join(this.dir, s, `.probe.${this.tmpPrefix}`);
        this.fs.renameSync(at, next);
        at = next;
      }
    } catch (err) {
      throw new QueueConfigError(
        `cannot move files between the queue's folders (${describeFsError(err)}): mount the whole queue folder as one volume, not each state folder`,
      );
    } finally {
      try {
        this.fs.unlinkSync(at);
      } catch {
        // Already gone.
      }
    }
    try {
      this.fs.writeFileSync(this.doorbellPath, '', { flag: 'a' });
    } catch (err) {
      throw new QueueConfigError(`cannot create ${this.doorbellPath}: ${describeFsError(err)}`);
    }
    // Forced on (tests) it still needs a boot id, which journalRefusal checks first.
    const forced = this.journalOption;
    this.journalWhyNot = forced === false ? 'turned off' : forced === true && this.bootId !== null ? null : journalRefusal(this.bootId, filesystemType(this.dir));
    this.journaling = this.journalWhyNot === null;
    if (this.journaling && this.bootId !== null) {
      this.replayed = replayOldJournals({
        fs: this.fs,
        journalDir: this.journalDir,
        lockPath: path.join(this.dir, 'meta', 'journal.lock'),
        bootId: this.bootId,
        dirs: this.dirs,
        tmpPath: () => this.tmpPath(),
      });
    }
    return this;
  }

  // ---------------------------------------------------------------- enqueue

  async enqueue(job: NewJob, opts: { durable?: boolean } = {}): Promise<JobRecord> {
    const [rec] = await this.enqueueBatch([job], opts);
    return rec as JobRecord;
  }

  /**
   * Each job is written under tmp/ (O_EXCL), then renamed into pending/, so no reader
   * ever sees half a job. Durable mode: a chunk's jobs are appended to the batch's journal
   * and it is fsynced before they are renamed (journal.ts); without a boot id, or for a
   * handful of jobs, the files of a chunk are fsynced together and pending/ once per chunk.
   */
  async enqueueBatch(jobs: NewJob[], opts: { durable?: boolean } = {}): Promise<JobRecord[]> {
    const durable = opts.durable ?? this.durable;
    const journal = durable && this.journaling && this.bootId !== null && jobs.length >= JOURNAL_MIN_JOBS ? new JournalWriter(this.fs, this.journalDir, this.bootId) : null;
    const out: JobRecord[] = [];
    let failure: unknown = null;
    try {
      await this.enqueueChunks(jobs, durable, journal, out);
    } catch (err) {
      failure = err;
    }
    // A journal that cannot be marked published (swept while this process stood stopped
    // for an hour) no longer covers the jobs: a filesystem sync does, before we return.
    if (journal && !journal.finish(out.length > 0) && out.length > 0) {
      try {
        await this.fs.syncfs(this.dir);
        journal.remove();
      } catch (err) {
        failure ??= new QueueError(`${out.length} job(s) were queued, but could not be made durable (their journal was removed, and ${messageOf(err)}): they run unless the machine crashes first`);
      }
    }
    if (failure !== null) throw failure;
    return out;
  }

  private async enqueueChunks(jobs: NewJob[], durable: boolean, journal: JournalWriter | null, out: JobRecord[]): Promise<void> {
    // A pipeline: while this thread creates and writes chunk k's files, chunk k-1's are
    // renamed into pending/ (by the renaming thread for a batch of several chunks, from the
    // other tmp folder). Chunks still land in order, and a failure still leaves exactly
    // the jobs before it queued, and says how many.
    const threaded = this.renameOff !== null && jobs.length > ENQUEUE_CHUNK && this.ensureTmpAlt();
    const rename = threaded ? (this.renameOff as BatchRename) : this.renameHere;
    let moving: MovingChunk | null = null;
    for (let start = 0, k = 0; start < jobs.length; start += ENQUEUE_CHUNK, k++) {
      const tmpDir = threaded && k % 2 === 1 ? this.tmpAltDir : this.dirs.tmp;
      let next: StartedChunk;
      try {
        next = this.startChunk(jobs.slice(start, start + ENQUEUE_CHUNK).map((j) => this.prepare(j, tmpDir)), durable, journal);
      } catch (err) {
        // The chunk before is complete: queue it, then say how many went in.
        if (moving) await this.landChunk(moving, out, durable);
        if (err instanceof QueueError && out.length > 0) throw new QueueError(`enqueue stopped after ${out.length} job(s): ${err.message}`);
        throw err;
      }
      if (moving) {
        try {
          await this.landChunk(moving, out, durable);
        } catch (err) {
          await this.abandonChunk(next);
          throw err;
        }
      }
      moving = await this.sendChunk(next, out, rename);
    }
    if (moving) await this.landChunk(moving, out, durable);
  }

  private prepare(job: NewJob, tmpDir: string): PreparedJob {
    if (typeof job.id !== 'string' || job.id.length === 0) throw new QueueError('a job needs a non-empty string id');
    if (typeof job.type !== 'string' || job.type.length === 0) throw new QueueError(`job ${job.id}: a job needs a type`);
    const priority = job.priority ?? 'normal';
    if (!PRIORITIES.includes(priority)) throw new QueueError(`job ${job.id}: unknown priority ${String(priority)}`);
    const maxAttempts = job.maxAttempts ?? this.defaultMaxAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new QueueError(`job ${job.id}: maxAttempts must be a whole number >= 1`);
    }
    const { delayMs, ...fields } = job;
    const now = this.now();
    const record: JobRecord = {
      ...fields,
      id: job.id,
      type: job.type,
      priority,
      attempts: 0,
      maxAttempts,
      enqueuedAt: this.isoTime(now),
    };
    const name = pendingName({ priority, dueMs: now + Math.max(0, delayMs ?? 0), id: job.id, attempts: 0 });
    return { record, name, tmp: this.tmpPath(tmpDir), bytes: Buffer.from(JSON.stringify(record)) };
  }

  private iso: { at: number; text: string } = { at: NaN, text: '' };

  /** A batch is stamped within a few milliseconds, completions several a millisecond: format each one once. */
  private isoTime(ms: number): string {
    if (ms !== this.iso.at) this.iso = { at: ms, text: new Date(ms).toISOString() };
    return this.iso.text;
  }

  /**
   * Creates and writes a chunk's files in tmp/ and sets their durability going (the
   * journal's append and fsync, or every file's fsync), without waiting.
   */
  private startChunk(jobs: PreparedJob[], durable: boolean, journal: JournalWriter | null): StartedChunk {
    const fds: number[] = [];
    let synced: Promise<void>;
    let starts: number[] = [];
    try {
      for (const c of jobs) {
        const fd = this.fs.openSync(c.tmp, 'wx', 0o644);
        fds.push(fd);
        writeAll(this.fs, fd, c.bytes);
      }
      if (!durable) synced = Promise.resolve();
      else if (!journal) synced = this.makeDurable(fds);
      else ({ synced, starts } = journal.append(jobs.map((c) => journalLine(c.name, c.bytes))));
    } catch (err) {
      for (const fd of fds) this.closeQuietly(fd);
      for (const c of jobs) this.unlinkQuietly(c.tmp);
      throw new QueueError(`enqueue failed, nothing was queued from this chunk: ${describeFsError(err)}`);
    }
    // Awaited by sendChunk or abandonChunk; this only keeps an early failure from
    // counting as unhandled while the previous chunk is being landed.
    synced.catch(() => undefined);
    return { jobs, fds, synced, journal: durable ? journal : null, starts };
  }

  /** Waits for the chunk's durability (journal or files), then sets its renames going. */
  private async sendChunk(chunk: StartedChunk, out: JobRecord[], rename: BatchRename): Promise<MovingChunk> {
    try {
      await chunk.synced;
    } catch (err) {
      await this.abandonChunk(chunk);
      throw new QueueError(`enqueue failed after ${out.length} job(s), nothing was queued from this chunk: ${describeFsError(err)}`);
    }
    for (const fd of chunk.fds) this.closeQuietly(fd);
    chunk.fds = [];
    const pairs: string[] = [];
    for (const c of chunk.jobs) pairs.push(c.tmp, this.dirs.pending + path.sep + c.name);
    return { chunk, renamed: rename(pairs) };
  }

  /** Counts what the renames queued; on a failure, drops the rest of the chunk. Rings the doorbell. */
  private async landChunk(moving: MovingChunk, out: JobRecord[], durable: boolean): Promise<void> {
    const { chunk } = moving;
    const { done, error } = await moving.renamed;
    const jobs = chunk.jobs;
    for (let k = 0; k < done; k++) {
      const c = jobs[k] as PreparedJob;
      this.index.add(c.name);
      out.push(c.record);
    }
    if (error !== null && done < jobs.length) {
      for (const rest of jobs.slice(done)) this.unlinkQuietly(rest.tmp);
      chunk.journal?.drop(chunk.starts[done] ?? Infinity);
      // What this chunk did queue is made as durable as the rest, and announced.
      if (durable && !chunk.journal && done > 0) await fsyncDir(this.fs, this.dirs.pending).catch(() => undefined);
      if (out.length > 0) this.ringDoorbell();
      const c = jobs[done] as PreparedJob;
      throw new QueueError(`enqueue failed after ${out.length} job(s): rename ${c.tmp} -> ${this.dirs.pending + path.sep + c.name}: ${describeFsError(error)}`);
    }
    if (durable && !chunk.journal) await fsyncDir(this.fs, this.dirs.pending);
    // Per chunk, so that workers already running start on a long batch at once.
    this.ringDoorbell();
  }

  /** Drops a started chunk: nothing of it reaches pending/, nor any replay of the journal. */
  private async abandonChunk(chunk: StartedChunk): Promise<void> {
    await chunk.synced.catch(() => undefined);
    chunk.journal?.drop(chunk.starts[0] ?? Infinity);
    for (const fd of chunk.fds) this.closeQuietly(fd);
    for (const c of chunk.jobs) this.unlinkQuietly(c.tmp);
  }

  /**
   * All of a chunk's fsyncs are in flight at once: libuv's thread pool runs them in
   * parallel and the journal can commit them together. How much that gains depends on
   * the pool's size (UV_THREADPOOL_SIZE, 4 by default; bin/edgar sets 16).
   */
  private makeDurable(fds: number[]): Promise<void> {
    return settleAll(fds.map((fd) => this.fs.fsync(fd)));
  }

  private retiring: { olderThanMs: number; wait: boolean; done: Promise<number> } | null = null;

  /**
   * Retires this boot's published enqueue journals after one filesystem sync (journal.ts):
   * those whose last write is at least olderThanMs old (workers pass journalSettleMs), all
   * of them by default. A call while one is running joins it if that one asks for no
   * more (as old or older, waiting for the lock if this one would), and otherwise runs
   * after it; a join does not see a journal published after the running call listed them.
   */
  retireJournals(opts: { wait?: boolean; olderThanMs?: number } = {}): Promise<number> {
    if (!this.journaling || this.bootId === null) return Promise.resolve(0);
    const olderThanMs = opts.olderThanMs ?? 0;
    const wait = opts.wait === true;
    const running = this.retiring;
    if (running && running.olderThanMs <= olderThanMs && (running.wait || !wait)) return running.done;
    const bootId = this.bootId;
    const mine = { olderThanMs, wait, done: Promise.resolve(0) };
    mine.done = (async () => {
      try {
        await running?.done.catch(() => undefined);
        const rule = { bootId, probeNow: this.fsNow(), staleMs: TMP_MAX_AGE_MS, olderThanMs };
        // Nothing ready: no lock taken (a worker asks at every reap). Under the lock the
        // list is read again: another process may have retired some meanwhile.
        if (readyJournals(this.fs, this.journalDir, rule).length === 0) return 0;
        return await retireJournals(this.fs, this.journalDir, rule, wait);
      } finally {
        if (this.retiring === mine) this.retiring = null;
      }
    })();
    this.retiring = mine;
    return mine.done;
  }

  /** This boot's journals still waiting for a filesystem sync (status). */
  journalsWaiting(): number {
    return this.bootId === null ? 0 : listJournals(this.fs, this.journalDir).filter((j) => j.boot === this.bootId).length;
  }

  /** Wakes idle workers (they watch this one small file rather than a huge folder). */
  ringDoorbell(): void {
    const t = new Date(this.now());
    try {
      this.fs.utimesSync(this.doorbellPath, t, t);
    } catch {
      // A missed ring only delays the wake-up until the next rescan.
    }
  }

  // ---------------------------------------------------------------- claim

  /** Marks the view stale so the next claim that finds nothing lists pending/ again. */
  markDirty(): void {
    this.indexDirty = true;
  }

  refreshIndex(): void {
    const started = performance.now();
    let listing: string[];
    try {
      listing = this.fs.readdirSync(this.stateDir('pending'));
    } catch (err) {
      throw new QueueError(`cannot list ${this.stateDir('pending')}: ${describeFsError(err)}`);
    }
    this.index.reset(listing.filter(isJobFileName), this.now());
    this.indexDirty = false;
    this.listingMs = performance.now() - started;
  }

  /** How long the last listing of pending/ took: relisting is paced to cost <= 10% of the time. */
  private listingMs = 0;

  /**
   * A view that still has candidates is relisted too when it is stale (the doorbell rang,
   * or rescanMs passed): otherwise a high-priority job, or a retry queued by another
   * process, would wait behind the whole backlog the view already holds. Relisting is
   * paced by its own cost, so at 100k pending (~250 ms a listing) it happens at most every
   * few seconds, and at 1k pending within milliseconds.
   */
  private relistDue(now: number): boolean {
    if (this.index.size === 0) return false;
    return (this.indexDirty || now - this.index.refreshedAt >= this.rescanMs) && this.relistAffordable(now);
  }

  /** A listing costs at most a tenth of the time since the last one. */
  private relistAffordable(now: number): boolean {
    return now - this.index.refreshedAt >= 10 * this.listingMs;
  }

  /** When the earliest not-yet-due job becomes due, as far as the view knows. */
  nextDueMs: number | null = null;

  /** Claims that met a name another process had already taken (what lanes keep low). */
  racesLost = 0;

  /**
   * Takes one due job: rename(pending/N, processing/N~attempt~worker~nonce). Exactly one
   * contender's rename succeeds; the others get ENOENT and try another candidate. The
   * pending file is touched first, so the claim carries a fresh mtime from its first
   * instant in processing/ (rename keeps mtime) and no reaper can see it as stale.
   */
  claim(owner: ClaimOwner): Claim | null {
    let refreshed = false;
    if (this.relistDue(this.now())) {
      this.refreshIndex();
      refreshed = true;
    }
    for (;;) {
      const now = this.now();
      const pick = this.index.pick(now, this.claimSpread, this.random);
      if (pick.name === null) {
        this.nextDueMs = pick.nextDueMs;
        const viewIsOld = now - this.index.refreshedAt >= this.rescanMs;
        if (refreshed || (!this.indexDirty && !viewIsOld)) return null;
        this.refreshIndex();
        refreshed = true;
        continue;
      }
      // Our lane is dry: the rest of the view is mostly names the other workers have
      // taken since it was listed. One listing tells us which are left; trying each of
      // them would cost a failed open apiece.
      if (pick.stolen && !refreshed && this.relistAffordable(now)) {
        this.refreshIndex();
        refreshed = true;
        continue;
      }
      const name = pick.name;
      this.index.remove(name);
      const parsed = parsePendingName(name);
      const src = this.dirs.pending + path.sep + name;
      if (!parsed) {
        this.quarantineQuietly(src, name, 'the file name does not follow the queue naming scheme');
        continue;
      }
      // Open first: ENOENT means another claimer won. The touch comes before the rename, so
      // the claim carries a fresh mtime from its first instant in processing/ (rename keeps
      // mtime) and no reaper can take it for stale.
      let owned: string;
      try {
        owned = claimedName(parsed, owner.workerId, owner.nonce);
      } catch (err) {
        this.quarantineQuietly(src, name, `cannot be claimed: ${messageOf(err)}`);
        continue;
      }
      let fd: number;
      try {
        fd = this.fs.openSync(src, 'r+');
      } catch (err) {
        if (isMissing(err)) {
          this.racesLost++;
          continue;
        }
        throw new QueueError(`claim: open ${src}: ${describeFsError(err)}`);
      }
      const dest = this.dirs.processing + path.sep + owned;
      try {
        const t = this.fsStamp();
        this.fs.futimesSync(fd, t, t);
        this.fs.renameSync(src, dest);
      } catch (err) {
        this.closeQuietly(fd);
        if (isMissing(err)) {
          this.racesLost++;
          continue;
        }
        throw new QueueError(`claim: rename ${src}: ${describeFsError(err)}`);
      }
      const claimed: ClaimedName = {
        priority: parsed.priority,
        dueMs: parsed.dueMs,
        id: parsed.id,
        attempts: parsed.attempts,
        attempt: parsed.attempts + 1,
        worker: owner.workerId,
        nonce: owner.nonce,
      };
      let raw: Buffer;
      try {
        raw = this.readFd(fd);
      } catch (err) {
        this.closeQuietly(fd);
        throw new QueueError(`claim: read ${dest}: ${describeFsError(err)}`);
      }
      const job = this.jobFromClaim(dest, owned, claimed, raw);
      if (job) return { job, name: owned, attempt: claimed.attempt, parsed: claimed, fd, size: raw.length };
      this.closeQuietly(fd);
    }
  }

  private readonly readBuf = Buffer.alloc(64 * 1024);

  /** Job files are small: one read into a reused buffer, more only for a large one. */
  private readFd(fd: number): Buffer {
    const chunks: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const n = this.fs.readSync(fd, this.readBuf, 0, this.readBuf.length, pos);
      if (n > 0) chunks.push(Buffer.from(this.readBuf.subarray(0, n)));
      pos += n;
      if (n < this.readBuf.length) break;
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }

  private jobFromClaim(file: string, name: string, parsed: ClaimedName, raw: Buffer): JobRecord | null {
    const job = parseJob(raw);
    if (typeof job === 'string') {
      this.quarantineQuietly(file, name, job, raw);
      return null;
    }
    // The parsed object is this claim's alone: the name's truths are set on it, not on a
    // copy (hot path). A retried job carries its last error, which this attempt drops.
    for (const stale of FINISH_FIELDS) if (stale in job) delete job[stale];
    job.id = parsed.id;
    job.priority = parsed.priority;
    job.attempts = parsed.attempt;
    return job;
  }

  /** Releases the claim's descriptor (a claim given up without a rename of ours). */
  dispose(claim: Claim): void {
    if (claim.fd !== null) this.closeQuietly(claim.fd);
    claim.fd = null;
  }

  // ---------------------------------------------------------------- lease

  processingPath(claim: Claim): string {
    return this.dirs.processing + path.sep + claim.name;
  }

  /**
   * What the filesystem's clock says now, as far as this process knows: explicit stamps
   * (claim, heartbeat) use it, so a process whose clock disagrees with the filesystem's
   * (a network filesystem's server) neither looks stale at once nor hides a dead claim.
   * Learnt from every probe; 0 until the first (a worker probes as it starts).
   */
  private clockOffsetMs = 0;

  private fsStamp(): Date {
    return new Date(this.fsNow());
  }

  /** The filesystem's clock as last learnt by a probe, without touching anything. */
  fsNow(): number {
    return this.now() + this.clockOffsetMs;
  }

  /** Heartbeat. ENOENT means the claim was taken over: the caller must abort and publish nothing. */
  touch(claim: Claim): void {
    const t = this.fsStamp();
    try {
      this.fs.utimesSync(this.processingPath(claim), t, t);
    } catch (err) {
      if (isMissing(err)) throw new LeaseLostError(claim.job.id);
      throw new QueueError(`heartbeat on ${claim.job.id}: ${describeFsError(err)}`);
    }
  }

  // ---------------------------------------------------------------- finish

  complete(claim: Claim, result: unknown, workerId?: string): JobRecord {
    const record: JobRecord = { ...claim.job, attempts: claim.attempt, result: result ?? null, completedAt: this.isoTime(this.now()) };
    if (workerId) record.workerId = workerId;
    const dest = this.dirs.completed + path.sep + finishedName(claim.job.id);
    try {
      this.fs.renameSync(this.processingPath(claim), dest);
    } catch (err) {
      this.dispose(claim);
      if (isMissing(err)) throw new LeaseLostError(claim.job.id);
      throw new QueueError(`complete ${claim.job.id}: rename into completed/ (job left claimed): ${describeFsError(err)}`);
    }
    this.overwrite(dest, claim, record);
    return record;
  }

  /**
   * Completion is the hot path, and on a real disk creating and freeing inodes costs more
   * than renames: so the fencing rename moves the claim into completed/ first, and the
   * result is then written into that same inode through the descriptor the claim opened.
   * Nobody else writes a file in completed/, and the job is already in its final state: a
   * crash in between leaves a completed job whose record lacks the result summary, never
   * a lost or doubled job.
   */
  private overwrite(file: string, claim: Claim, content: object): void {
    // A shorter record is padded with spaces (JSON allows them) rather than truncated
    // after the write: one write replaces the whole content, so a crash cannot leave
    // the new record followed by the tail of the old one.
    const json = JSON.stringify(content);
    const bytes = Buffer.from(json.length < claim.size ? json.padEnd(claim.size, ' ') : json);
    const fail = (err: unknown) =>
      new RecordUpdateError(`job ${path.basename(file)} completed but its record could not be updated: ${describeFsError(err)}`);
    let fd = claim.fd;
    claim.fd = null;
    try {
      if (fd === null) fd = this.fs.openSync(file, 'r+');
    } catch (err) {
      throw fail(err);
    }
    try {
      writeAll(this.fs, fd, bytes, 0);
    } catch (err) {
      throw fail(err);
    } finally {
      this.closeQuietly(fd);
    }
  }

  /**
   * Records the attempt's error and either schedules a retry (pending/, due after a capped
   * exponential backoff with jitter) or, when permanent or out of attempts, ends in failed/.
   */
  fail(
    claim: Claim,
    err: unknown,
    opts: { permanent?: boolean; workerId?: string } = {},
  ): { to: 'pending' | 'failed'; record: JobRecord; retryAtMs?: number } {
    this.dispose(claim);
    const now = this.now();
    const entry: AttemptError = {
      attempt: claim.attempt,
      at: new Date(now).toISOString(),
      message: messageOf(err),
      kind: 'error',
      ...(opts.workerId ? { workerId: opts.workerId } : {}),
      ...(opts.permanent ? { permanent: true } : {}),
    };
    return this.endAttempt(this.processingPath(claim), claim.job, claim.parsed, entry, opts.permanent === true, now);
  }

  private endAttempt(
    from: string,
    job: JobRecord,
    parsed: ClaimedName,
    entry: AttemptError,
    permanent: boolean,
    now: number,
  ): { to: 'pending' | 'failed'; record: JobRecord; retryAtMs?: number } {
    const errors = [...(Array.isArray(job.errors) ? job.errors : []), entry];
    const maxAttempts = job.maxAttempts ?? this.defaultMaxAttempts;
    if (permanent || parsed.attempt >= maxAttempts) {
      const record: JobRecord = {
        ...job,
        attempts: parsed.attempt,
        error: entry.message,
        errors,
        failedAt: new Date(now).toISOString(),
      };
      const dest = path.join(this.stateDir('failed'), finishedName(job.id));
      if (!this.moveAndRewrite(from, dest, record)) throw new LeaseLostError(job.id);
      return { to: 'failed', record };
    }
    const retryAtMs = now + Math.max(MIN_REWRITE_DELAY_MS, backoffDelay(parsed.attempt, this.backoff, this.random));
    const record: JobRecord = { ...job, attempts: parsed.attempt, error: entry.message, errors };
    const dest = path.join(
      this.stateDir('pending'),
      pendingName({ priority: parsed.priority, dueMs: retryAtMs, id: job.id, attempts: parsed.attempt }),
    );
    if (!this.moveAndRewrite(from, dest, record)) throw new LeaseLostError(job.id);
    this.index.add(path.basename(dest));
    return { to: 'pending', record, retryAtMs };
  }

  /**
   * Hands a claim back untouched (shutdown): one rename, attempt uncounted, due at once.
   * No content rewrite, so a claimer may take it the instant it lands.
   */
  release(claim: Claim): boolean {
    this.dispose(claim);
    const back: PendingName = { ...claim.parsed, attempts: claim.attempt - 1 };
    const name = pendingName(back);
    try {
      this.fs.renameSync(this.processingPath(claim), path.join(this.stateDir('pending'), name));
    } catch (err) {
      if (isMissing(err)) return false;
      throw new QueueError(`hand back ${claim.job.id}: ${describeFsError(err)}`);
    }
    this.index.add(name);
    this.ringDoorbell();
    return true;
  }

  /**
   * The fencing rename first: only the owner of `from` can move it, so ENOENT there means
   * the lease was lost and nothing is published (returns false). Then the new content
   * replaces the moved file by a second rename. Between the two, the file sits at its
   * destination with its old content; that is safe because no one else acts on it there:
   * completed/ and failed/ are only read, and a pending/ destination is due no sooner than
   * MIN_REWRITE_DELAY_MS. A crash between the two leaves the job in the right state with
   * the previous content (a completed job without its result summary): never lost, never
   * in two states.
   */
  private moveAndRewrite(from: string, to: string, content: object): boolean {
    const tmp = this.tmpPath();
    try {
      this.fs.writeFileSync(tmp, JSON.stringify(content), { flag: 'wx' });
    } catch (err) {
      this.unlinkQuietly(tmp);
      throw new QueueError(`cannot write ${path.basename(to)} (job left where it was): ${describeFsError(err)}`);
    }
    try {
      this.fs.renameSync(from, to);
    } catch (err) {
      this.unlinkQuietly(tmp);
      if (isMissing(err)) return false;
      throw new QueueError(`rename ${from} -> ${to} (job left where it was): ${describeFsError(err)}`);
    }
    try {
      this.fs.renameSync(tmp, to);
    } catch (err) {
      this.unlinkQuietly(tmp);
      throw new QueueError(
        `job moved to ${to} but its record could not be updated: ${describeFsError(err)}`,
      );
    }
    return true;
  }

  // ---------------------------------------------------------------- reap

  /**
   * The filesystem's own clock, read from a file touched in the queue: claims are compared
   * against it, not against this process's clock, so containers whose clocks disagree (or
   * a network filesystem with its server's clock) still agree on what is stale.
   */
  probeNow(): number {
    const probe = path.join(this.dir, 'meta', 'probe');
    try {
      const before = this.now();
      this.fs.writeFileSync(probe, String(process.pid), { flag: 'w' });
      const fsNow = this.fs.statSync(probe).mtimeMs;
      this.clockOffsetMs = fsNow - before;
      return fsNow;
    } catch (err) {
      throw new QueueError(`cannot touch ${probe}: ${describeFsError(err)}`);
    }
  }

  /** Claims in processing/, with their age against the probe clock. */
  listClaims(staleAfterMs: number, probeNow = this.probeNow()): StaleInfo[] {
    const out: StaleInfo[] = [];
    const leases = new Map<string, number>();
    for (const name of this.listState('processing')) {
      let mtime: number;
      try {
        mtime = this.fs.statSync(path.join(this.stateDir('processing'), name)).mtimeMs;
      } catch (err) {
        if (isMissing(err)) continue;
        throw new QueueError(`stat ${name}: ${describeFsError(err)}`);
      }
      const parsed = parseClaimedName(name);
      const ageMs = Math.max(0, probeNow - mtime);
      // Stale means what a reap would take: past the limit, and not held by a worker that
      // is alive by its own, longer lease (so `status` and `reap-stuck` agree).
      const stale = ageMs > staleAfterMs && !(parsed && ageMs <= this.liveOwnerLeaseMs(parsed.worker, parsed.nonce, probeNow, leases));
      out.push({
        id: parsed?.id ?? idFromAnyName(name),
        name,
        workerId: parsed?.worker ?? 'unknown',
        attempt: parsed?.attempt ?? 1,
        ageMs,
        stale,
      });
    }
    return out;
  }

  /**
   * Moves every claim whose heartbeat is older than staleAfterMs back to pending/ (the
   * attempt stays counted; the retry is due after a backoff) or to failed/ once its
   * attempts are spent. The takeover is a rename of the claimed name, so of several
   * reapers (or a reaper and a late owner) exactly one wins; the losers see ENOENT.
   */
  reap(opts: { staleAfterMs: number; dryRun?: boolean }): ReapEntry[] {
    const probeNow = this.probeNow();
    const out: ReapEntry[] = [];
    for (const info of this.listClaims(opts.staleAfterMs, probeNow)) {
      if (!info.stale) continue;
      const file = path.join(this.stateDir('processing'), info.name);
      let raw: Buffer;
      try {
        raw = this.fs.readFileSync(file);
      } catch (err) {
        if (isMissing(err)) continue;
        throw new QueueError(`reap: read ${file}: ${describeFsError(err)}`);
      }
      const job = parseJob(raw);
      const parsed = parseClaimedName(info.name) ?? fallbackClaim(info.name);
      if (typeof job === 'string') {
        let moved = true;
        if (!opts.dryRun) {
          try {
            moved = this.quarantine(file, info.name, job, raw) !== null;
          } catch {
            moved = false; // left in place, met again by the next reap: never deleted
          }
        }
        if (moved) out.push({ ...entryBase(info), maxAttempts: 0, to: 'quarantined' });
        continue;
      }
      const maxAttempts = job.maxAttempts ?? this.defaultMaxAttempts;
      const to = parsed.attempt >= maxAttempts ? 'failed' : 'pending';
      if (!opts.dryRun) {
        const now = this.now();
        const entry: AttemptError = {
          attempt: parsed.attempt,
          at: new Date(now).toISOString(),
          message: `worker ${parsed.worker} stopped heartbeating (lease expired after ${Math.round(info.ageMs / 1000)}s); the job was taken back`,
          kind: 'lease-expired',
          workerId: parsed.worker,
        };
        try {
          this.endAttempt(file, { ...job, id: parsed.id }, parsed, entry, false, now);
        } catch (err) {
          if (err instanceof LeaseLostError) continue; // another reaper, or the owner, won
          throw err;
        }
      }
      out.push({ ...entryBase(info), maxAttempts, to });
    }
    if (!opts.dryRun) {
      this.sweepTmp(probeNow);
      this.sweepWorkerRecords(probeNow, Math.max(10 * opts.staleAfterMs, TMP_MAX_AGE_MS));
    }
    return out;
  }

  /**
   * The lease of a claim's owner while its record under meta/workers/ is fresh by that
   * owner's own staleAfterMs, else 0. A worker heartbeats every lease/3 of its own lease,
   * so a reaper with a shorter limit (reap-stuck --stale-after 30s against a worker started
   * with --stale-after 2m) would otherwise take claims that are alive and run them twice.
   * A record superseded by a later one of the same host and pid protects nothing: one pid
   * runs one process, so the earlier worker is dead (a container restarted by Docker runs
   * its new worker under the same host name and, mostly, the same pid).
   */
  private liveOwnerLeaseMs(worker: string, nonce: string, probeNow: number, cache: Map<string, number>): number {
    if (cache.size === 0) {
      cache.set('', 0); // read once per reap, on the first stale claim
      let names: string[] = [];
      try {
        names = this.fs.readdirSync(this.workersDir).filter((n) => n.endsWith('.json'));
      } catch {
        // No records at all: the reaper's limit applies to every claim.
      }
      const recs: { key: string; lease: number; host: unknown; pid: unknown; startedAt: string }[] = [];
      for (const n of names) {
        const file = path.join(this.workersDir, n);
        try {
          const ageMs = probeNow - this.fs.statSync(file).mtimeMs;
          const rec = JSON.parse(this.fs.readFileSync(file).toString('utf8')) as { staleAfterMs?: unknown; host?: unknown; pid?: unknown; startedAt?: unknown };
          const own = ownLeaseMs(rec);
          const lease = own !== undefined && ageMs <= own ? own : 0;
          recs.push({ key: n.slice(0, -'.json'.length), lease, host: rec.host, pid: rec.pid, startedAt: String(rec.startedAt ?? '') });
        } catch {
          // Being replaced or swept right now: the reaper's limit applies.
        }
      }
      for (const r of recs) {
        const superseded = recs.some((o) => o !== r && o.host === r.host && o.pid === r.pid && o.startedAt > r.startedAt);
        cache.set(r.key, superseded ? 0 : r.lease);
      }
    }
    return cache.get(`${worker}~${nonce}`) ?? 0;
  }

  /** Leftovers of writers killed between write and rename; never jobs (they were never published). */
  private sweepTmp(probeNow: number): void {
    this.sweepOld(this.stateDir('tmp'), probeNow, TMP_MAX_AGE_MS);
    this.sweepOld(this.tmpAltDir, probeNow, TMP_MAX_AGE_MS);
  }

  private sweepWorkerRecords(probeNow: number, maxAgeMs: number): void {
    this.sweepOld(this.workersDir, probeNow, maxAgeMs);
  }

  private sweepOld(dir: string, probeNow: number, maxAgeMs: number): void {
    let names: string[];
    try {
      names = this.fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        if (probeNow - this.fs.statSync(p).mtimeMs > maxAgeMs) this.fs.unlinkSync(p);
      } catch {
        // Gone already, or not ours to remove: leave it for the next sweep.
      }
    }
  }

  // ---------------------------------------------------------------- quarantine

  /**
   * A file that is not a job (bad JSON, empty, truncated, wrong shape) goes to failed/
   * wrapped in a valid record that keeps its bytes, so it is never retried forever and
   * never deleted. It gets a name of its own so it can never overwrite a real job's record.
   */
  quarantine(file: string, name: string, reason: string, raw?: Buffer): string | null {
    let bytes = raw;
    if (!bytes) {
      try {
        bytes = this.fs.readFileSync(file);
      } catch (err) {
        if (isMissing(err)) return null;
        bytes = Buffer.alloc(0);
      }
    }
    const id = idFromAnyName(name);
    const now = this.now();
    const text = bytes.toString('utf8');
    const keepsText = Buffer.from(text, 'utf8').equals(bytes);
    const record = {
      id,
      type: 'corrupt',
      priority: 'normal',
      attempts: 0,
      maxAttempts: 0,
      enqueuedAt: new Date(now).toISOString(),
      error: `unreadable job file ${path.basename(path.dirname(file))}/${name}: ${reason}`,
      errors: [{ attempt: 0, at: new Date(now).toISOString(), message: reason, kind: 'corrupt' }],
      failedAt: new Date(now).toISOString(),
      quarantinedFrom: `${path.basename(path.dirname(file))}/${name}`,
      ...(keepsText ? { raw: text } : { rawBase64: bytes.toString('base64') }),
    };
    // Its own name, unique (a nonce: two copies of one bad file in the same millisecond),
    // and short enough for any id: a long one is replaced by its digest.
    const tag = `~corrupt~${now}~${randomBytes(3).toString('hex')}`;
    let destName: string;
    try {
      destName = finishedName(`${id}${tag}`);
    } catch {
      destName = finishedName(`id-${createHash('sha1').update(id).digest('hex').slice(0, 16)}${tag}`);
    }
    const dest = path.join(this.stateDir('failed'), destName);
    return this.moveAndRewrite(file, dest, record) ? destName : null;
  }

  private quarantineQuietly(file: string, name: string, reason: string, raw?: Buffer): void {
    try {
      this.quarantine(file, name, reason, raw);
    } catch {
      // Left in place: the next reap or claim meets it again. Never deleted.
    }
  }

  // ---------------------------------------------------------------- listing and admin

  listState(state: JobState): string[] {
    try {
      return this.fs.readdirSync(this.stateDir(state)).filter(isJobFileName);
    } catch (err) {
      if (isMissing(err)) return [];
      throw new QueueError(`cannot list ${this.stateDir(state)}: ${describeFsError(err)}`);
    }
  }

  counts(): Record<JobState, number> {
    const out = { pending: 0, processing: 0, completed: 0, failed: 0 };
    for (const s of STATES) out[s] = this.listState(s).length;
    return out;
  }

  /** Every job id the queue knows, with the state it was seen in. */
  knownIds(): Map<string, JobState> {
    const ids = new Map<string, JobState>();
    for (const s of STATES) {
      for (const name of this.listState(s)) {
        const id =
          s === 'pending'
            ? parsePendingName(name)?.id
            : s === 'processing'
              ? parseClaimedName(name)?.id
              : parseFinishedName(name);
        if (id !== undefined && id !== null) ids.set(id, s);
      }
    }
    // The four listings are not one snapshot: a job moved back from processing/ to
    // pending/ (retry, reap, hand-back) between the first two would be in neither. A second
    // listing of pending/ catches it; every other move goes forward in listing order.
    for (const name of this.listState('pending')) {
      const id = parsePendingName(name)?.id;
      if (id !== undefined && !ids.has(id)) ids.set(id, 'pending');
    }
    return ids;
  }

  readRecord(state: JobState, name: string): JobRecord | null {
    try {
      const job = parseJob(this.fs.readFileSync(path.join(this.stateDir(state), name)));
      return typeof job === 'string' ? null : job;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  readFinished(state: 'completed' | 'failed', id: string): JobRecord | null {
    return this.readRecord(state, finishedName(id));
  }

  /** The n most recently failed records (newest first). */
  recentFailures(n: number): JobRecord[] {
    const withTime: { name: string; mtime: number }[] = [];
    for (const name of this.listState('failed')) {
      try {
        withTime.push({ name, mtime: this.fs.statSync(path.join(this.stateDir('failed'), name)).mtimeMs });
      } catch {
        // Moved away while listing.
      }
    }
    withTime.sort((a, b) => b.mtime - a.mtime);
    const out: JobRecord[] = [];
    for (const { name } of withTime.slice(0, n)) {
      const rec = this.readRecord('failed', name);
      if (rec) out.push(rec);
    }
    return out;
  }

  /**
   * failed/ back to pending/, attempts reset. A single rename whose destination name says
   * attempts 0: the file keeps its error history, and the claim ignores its stale fields.
   */
  requeueFailed(ids: string[] | 'all'): { requeued: string[]; missing: string[]; refused: { id: string; reason: string }[] } {
    const names = ids === 'all' ? this.listState('failed') : ids.map((id) => finishedName(id));
    const requeued: string[] = [];
    const missing: string[] = [];
    const refused: { id: string; reason: string }[] = [];
    for (const name of names) {
      const id = parseFinishedName(name) ?? name;
      const rec = this.readRecord('failed', name);
      if (!rec) {
        missing.push(id);
        continue;
      }
      if (rec.type === 'corrupt') {
        refused.push({ id, reason: `a quarantined file (${String(rec.quarantinedFrom)}); fix its JSON and enqueue it again` });
        continue;
      }
      const priority = PRIORITIES.includes(rec.priority) ? rec.priority : 'normal';
      const dest = pendingName({ priority, dueMs: this.now(), id: rec.id ?? id, attempts: 0 });
      try {
        this.fs.renameSync(path.join(this.stateDir('failed'), name), path.join(this.stateDir('pending'), dest));
        this.index.add(dest);
        requeued.push(rec.id ?? id);
      } catch (err) {
        if (isMissing(err)) missing.push(id);
        else throw new QueueError(`retry ${id}: ${describeFsError(err)}`);
      }
    }
    if (requeued.length > 0) this.ringDoorbell();
    return { requeued, missing, refused };
  }

  /** Removes a finished record (e.g. before a forced re-run) so an id stays in one state. */
  forgetFinished(id: string): void {
    for (const s of ['completed', 'failed'] as const) this.unlinkQuietly(path.join(this.stateDir(s), finishedName(id)));
  }

  /**
   * ext4 folders never shrink, and completed/ grows without bound: remove (or first
   * append to a JSON-lines archive) the finished records older than olderThanMs.
   */
  prune(opts: {
    state: 'completed' | 'failed';
    olderThanMs: number;
    archive?: (record: JobRecord | { raw: string; name: string }) => void;
    dryRun?: boolean;
  }): PruneResult {
    const probeNow = this.probeNow();
    const dir = this.stateDir(opts.state);
    const res: PruneResult = { removed: 0, archived: 0, kept: 0 };
    // A record whose job a journal of this boot still names stays (a batch in flight, or
    // journals not yet retired): a replay after a crash would queue that job again.
    const journaled = this.journaling && this.bootId !== null ? journaledIds(this.fs, this.journalDir, this.bootId, (n) => parsePendingName(n)?.id) : new Set<string>();
    for (const name of this.listState(opts.state)) {
      const file = path.join(dir, name);
      const finishedId = journaled.size > 0 ? parseFinishedName(name) : null;
      if (finishedId !== null && journaled.has(finishedId)) {
        res.kept++;
        continue;
      }
      let mtime: number;
      try {
        mtime = this.fs.statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (probeNow - mtime < opts.olderThanMs) {
        res.kept++;
        continue;
      }
      if (opts.dryRun) {
        res.removed++;
        continue;
      }
      if (opts.archive) {
        let raw: Buffer;
        try {
          raw = this.fs.readFileSync(file);
        } catch {
          continue;
        }
        const rec = parseJob(raw);
        opts.archive(typeof rec === 'string' ? { raw: raw.toString('utf8'), name } : rec);
        res.archived++;
      }
      this.unlinkQuietly(file);
      res.removed++;
    }
    return res;
  }

  // ---------------------------------------------------------------- helpers

  private tmpPath(dir = this.dirs.tmp): string {
    return `${dir}${path.sep}${this.tmpPrefix}.${(this.tmpCounter++).toString(36)}.tmp`;
  }

  private unlinkQuietly(p: string): void {
    try {
      this.fs.unlinkSync(p);
    } catch {
      // Already gone.
    }
  }

  private closeQuietly(fd: number): void {
    try {
      this.fs.closeSync(fd);
    } catch {
      // Nothing useful to do: the data is already written or the write already failed.
    }
  }
}

function entryBase(info: StaleInfo): Omit<ReapEntry, 'maxAttempts' | 'to'> {
  return { id: info.id, name: info.name, workerId: info.workerId, attempt: info.attempt, staleForMs: info.ageMs };
}

function fallbackClaim(name: string): ClaimedName {
  return { priority: 'normal', dueMs: 0, id: idFromAnyName(name), attempts: 0, attempt: 1, worker: 'unknown', nonce: '' };
}

/** A job record, or the reason the bytes are not one. */
export function parseJob(raw: Buffer): JobRecord | string {
  if (raw.length === 0) return 'empty file';
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return `not valid JSON (${messageOf(err)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id.length === 0) return 'no "id" field';
  if (typeof v.type !== 'string' || v.type.length === 0) return 'no "type" field';
  return v as JobRecord;
}

const HINTS: Record<string, string> = {
  EXDEV: 'the queue folders are on different filesystems or mount points; a rename between them cannot be atomic',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error from the device',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the filesystem is read-only',
  ENOENT: 'no such file or folder',
  EMFILE: 'too many open files',
};

export function describeFsError(err: unknown): string {
  const code = errnoCode(err);
  if (code && HINTS[code]) return `${code}: ${HINTS[code]}`;
  return messageOf(err);
}
