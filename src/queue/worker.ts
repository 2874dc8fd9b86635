import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import type { FSWatcher } from 'chokidar';
import { watchDoorbell } from './doorbell.js';
import { journalSettleMs } from './journal.js';
import { LeaseLostError, RecordUpdateError, ShutdownError, isPermanent, messageOf } from './errors.js';
import { type QueueLogger, silentLogger } from './logger.js';
import { sanitizeWorkerId } from './names.js';
import type { Claim, FsQueue, JobRecord } from './queue.js';
import { defaultWorkerId, laneAmongWorkers, processStartTicks, removeWorkerRecord, workerRecordPath, writeWorkerRecord, type WorkerRecord } from './worker-registry.js';

export interface JobContext {
  /** Aborted when the lease is lost or the worker shuts down: stop and publish nothing. */
  signal: AbortSignal;
  log: QueueLogger;
  attempt: number;
  workerId: string;
}

export type JobHandler = (job: JobRecord, ctx: JobContext) => Promise<unknown> | unknown;

export interface WorkerOptions {
  queue: FsQueue;
  handler: JobHandler;
  workerId?: string;
  concurrency?: number;
  /** A claim whose heartbeat is older than this is taken back by any reaper. */
  staleAfterMs?: number;
  heartbeatMs?: number;
  reapEveryMs?: number;
  /** Full listing of pending/ at this period (jittered), whatever the watcher says. */
  rescanMs?: number;
  /** false: no watcher, rescans alone; 'poll': chokidar polling instead of inotify. */
  watch?: boolean | 'poll';
  /** Exit after one job. */
  once?: boolean;
  /** Exit when nothing is left to claim (jobs waiting on a retry delay still count). */
  burst?: boolean;
  /** On stop(): how long running jobs may take before they are handed back. */
  graceMs?: number;
  /** Enqueue journals are retired once their last write is this old (default: journalSettleMs()). */
  journalSettleMs?: number;
  log?: QueueLogger;
}

export interface WorkerSummary {
  workerId: string;
  completed: number;
  failed: number;
  retried: number;
  leaseLost: number;
  handedBack: number;
  reaped: number;
}

/**
 * An AbortController costs ~8 µs to create in Node 20, a noticeable share of a fast job:
 * make it only when the handler actually reads the signal. An abort before that is
 * remembered, so a late reader still sees it.
 */
class LazyAbort {
  private controller: AbortController | null = null;
  private reason: unknown = undefined;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

interface Running {
  claim: Claim;
  abort: LazyAbort;
  log: QueueLogger;
  lost: boolean;
  handedBack: boolean;
}

const JOURNAL_SETTLE_MS = journalSettleMs();
const jitter = (ms: number): number => Math.round(ms * (0.75 + Math.random() * 0.5));
/** How often a claiming worker re-reads which lane of pending/ is its own (see PendingIndex). */
const LANE_REFRESH_MS = 100;

/**
 * Claims and runs jobs with up to `concurrency` at once. It keeps each claim's lease
 * alive (utimes every heartbeatMs), reaps other workers' expired claims periodically, and
 * wakes on the doorbell or its own rescan timer. It never exits the process or installs
 * signal handlers: the caller decides what a signal means and calls stop() / stopNow().
 */
export class Worker {
  readonly workerId: string;
  private readonly nonce = randomBytes(3).toString('hex');
  private readonly q: FsQueue;
  private readonly handler: JobHandler;
  private readonly concurrency: number;
  readonly staleAfterMs: number;
  private readonly heartbeatMs: number;
  private readonly reapEveryMs: number;
  private readonly rescanMs: number;
  private readonly watchMode: boolean | 'poll';
  private readonly once: boolean;
  private readonly burst: boolean;
  private readonly graceMs: number;
  private readonly journalSettleMs: number;
  private readonly log: QueueLogger;
  private readonly running = new Map<string, Running>();
  private readonly timers: NodeJS.Timeout[] = [];
  private dueTimer: NodeJS.Timeout | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private stopping = false;
  private claimedCount = 0;
  private filling = false;
  /** One refill per turn of the loop, however many jobs settled in it. */
  private fillQueued = false;
  private finished!: () => void;
  private readonly done = new Promise<void>((r) => (this.finished = r));
  private recordFile = '';
  private readonly startedAt = new Date().toISOString();
  private readonly pidStart = processStartTicks('self');
  private loopAt = Date.now();
  private claimErrorUntil = 0;
  private lanesAt = 0;
  /** Other workers' leases, by record file name (it holds their nonce, so a lease never changes). */
  private readonly leases = new Map<string, number>();
  readonly summary: WorkerSummary;

  constructor(opts: WorkerOptions) {
    this.q = opts.queue;
    this.handler = opts.handler;
    this.workerId = sanitizeWorkerId(opts.workerId ?? defaultWorkerId());
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.staleAfterMs = opts.staleAfterMs ?? 60_000;
    this.heartbeatMs = opts.heartbeatMs ?? Math.max(50, Math.floor(this.staleAfterMs / 3));
    this.reapEveryMs = opts.reapEveryMs ?? Math.max(100, Math.floor(this.staleAfterMs / 2));
    this.rescanMs = opts.rescanMs ?? 2_000;
    this.watchMode = opts.watch ?? true;
    this.once = opts.once ?? false;
    this.burst = opts.burst ?? false;
    this.graceMs = opts.graceMs ?? 8_000;
    this.journalSettleMs = opts.journalSettleMs ?? JOURNAL_SETTLE_MS;
    this.log = (opts.log ?? silentLogger).child({ workerId: this.workerId });
    this.summary = { workerId: this.workerId, completed: 0, failed: 0, retried: 0, leaseLost: 0, handedBack: 0, reaped: 0 };
  }

  /** Runs until once/burst is satisfied or stop() completes; resolves with the tallies. */
  async run(): Promise<WorkerSummary> {
    this.q.init();
    this.recordFile = workerRecordPath(this.q, this.workerId, this.nonce);
    this.writeRecord();
    this.timers.push(setInterval(() => this.heartbeat(), this.heartbeatMs));
    this.timers.push(setInterval(() => this.reapNow(), jitter(this.reapEveryMs)));
    this.scheduleRescan();
    if (this.watchMode !== false) {
      this.watcher = watchDoorbell(this.q.doorbellPath, () => this.wake(), {
        poll: this.watchMode === 'poll',
        onError: (err) => this.log.warn({ err: messageOf(err) }, 'doorbell watcher error; relying on rescans'),
      });
    }
    this.log.info({ concurrency: this.concurrency, staleAfterMs: this.staleAfterMs, queueDir: this.q.dir }, 'worker started');
    const r = this.q.replayed;
    if (r) {
      this.log.warn(
        { journals: r.journals, recreated: r.recreated.length, repaired: r.repaired.length },
        'the machine restarted since the last enqueue: replayed the enqueue journal (jobs whose files the crash lost were written again)',
      );
    }
    this.reapNow();
    this.fill();
    await this.done;
    return this.summary;
  }

  /** New work may be there: list again when the view runs dry, then claim. */
  wake(): void {
    this.q.markDirty();
    this.fill();
  }

  private scheduleRescan(): void {
    this.rescanTimer = setTimeout(() => {
      this.wake();
      if (!this.stopping) this.scheduleRescan();
    }, jitter(this.rescanMs));
  }

  private fill(): void {
    this.loopAt = Date.now();
    if (this.filling) return;
    this.filling = true;
    try {
      // Only while claiming: an idle worker lists nothing. Often enough that workers started
      // together agree on their lanes within the first tenth of a second.
      if (this.loopAt - this.lanesAt >= LANE_REFRESH_MS) {
        this.lanesAt = this.loopAt;
        this.q.index.setLane(laneAmongWorkers(this.q, this.recordFile, this.staleAfterMs, this.leases));
      }
      while (!this.stopping && this.running.size < this.concurrency) {
        if (this.once && this.claimedCount >= 1) break;
        if (Date.now() < this.claimErrorUntil) break;
        // A burst worker about to go idle must see a fresh listing, not a view that
        // missed an enqueue whose doorbell ring it never heard.
        if (this.burst && this.running.size === 0 && this.q.index.size === 0) this.q.markDirty();
        let claim: Claim | null;
        try {
          claim = this.q.claim({ workerId: this.workerId, nonce: this.nonce });
        } catch (err) {
          // A queue that cannot be read now (EIO, a folder removed) is retried on the next
          // wake-up rather than spun on.
          this.log.error({ err: messageOf(err) }, 'claim failed');
          this.claimErrorUntil = Date.now() + 1_000;
          break;
        }
        if (!claim) {
          this.armDueTimer();
          break;
        }
        this.claimedCount++;
        this.start(claim);
      }
    } finally {
      this.filling = false;
    }
    this.maybeFinish();
  }

  private armDueTimer(): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    const next = this.q.nextDueMs;
    if (next === null) return;
    this.dueTimer = setTimeout(() => this.fill(), Math.max(5, next - Date.now() + 5));
  }

  private maybeFinish(): void {
    if (this.stopping || this.running.size > 0) return;
    const onceDone = this.once && this.claimedCount >= 1;
    // Not while the last claim failed: the view then says nothing about what is queued
    // (the next rescan tries again).
    const burstDone = this.burst && Date.now() >= this.claimErrorUntil && this.q.nextDueMs === null && this.q.index.size === 0;
    if (onceDone || burstDone) void this.shutdown(this.graceMs, true);
  }

  private start(claim: Claim): void {
    const abort = new LazyAbort();
    const log = this.log.child({ jobId: claim.job.id, batchId: claim.job.batchId, attempt: claim.attempt });
    const r: Running = { claim, abort, log, lost: false, handedBack: false };
    this.running.set(claim.name, r);
    log.debug({}, 'job claimed');
    const startedAt = Date.now();
    void (async () => {
      let result: unknown;
      let failure: unknown = null;
      try {
        const ctx: JobContext = {
          get signal() {
            return abort.signal;
          },
          log,
          attempt: claim.attempt,
          workerId: this.workerId,
        };
        result = await this.handler(claim.job, ctx);
      } catch (err) {
        failure = err;
      }
      this.settle(r, result, failure, Date.now() - startedAt);
    })();
  }

  private settle(r: Running, result: unknown, failure: unknown, durationMs: number): void {
    this.running.delete(r.claim.name);
    try {
      if (r.handedBack) {
        r.log.info({}, 'job handed back to pending during shutdown');
      } else if (r.lost) {
        this.q.dispose(r.claim);
        this.summary.leaseLost++;
        r.log.warn({ durationMs }, 'lease lost while running: result discarded, the job belongs to another attempt');
      } else if (failure === null) {
        this.q.complete(r.claim, result, this.workerId);
        this.summary.completed++;
        r.log.info({ durationMs }, 'job completed');
      } else {
        const permanent = isPermanent(failure);
        const out = this.q.fail(r.claim, failure, { permanent, workerId: this.workerId });
        if (out.to === 'failed') {
          this.summary.failed++;
          r.log.error({ durationMs, err: messageOf(failure), permanent }, 'job failed');
        } else {
          this.summary.retried++;
          r.log.warn({ durationMs, err: messageOf(failure), retryAt: new Date(out.retryAtMs ?? 0).toISOString() }, 'job failed; will retry');
        }
      }
    } catch (err) {
      if (err instanceof RecordUpdateError) {
        // Done and in completed/: only the result summary in its record is missing.
        this.summary.completed++;
        r.log.warn({ durationMs, err: err.message }, 'job completed, but its result could not be recorded in completed/');
      } else if (err instanceof LeaseLostError) {
        this.summary.leaseLost++;
        r.log.warn({ durationMs }, 'lease lost before the result was published: nothing published, another attempt owns the job');
      } else {
        // The job stays in processing/ and comes back through the reaper: nothing lost.
        r.log.error({ err: messageOf(err) }, 'could not record the outcome; the job will be reaped and retried');
      }
    }
    if (this.stopping) {
      if (this.running.size === 0) this.finished();
      return;
    }
    // Through the macrotask queue, not straight on: a handler that resolves without real
    // I/O would otherwise chain claim after claim in microtasks, and no timer (heartbeats,
    // the reaper, the rescan) nor signal handler would run until the queue was empty.
    if (!this.fillQueued) {
      this.fillQueued = true;
      setImmediate(() => {
        this.fillQueued = false;
        this.fill();
      });
    }
  }

  private heartbeat(): void {
    for (const r of this.running.values()) {
      if (r.lost || r.handedBack) continue;
      try {
        this.q.touch(r.claim);
      } catch (err) {
        if (err instanceof LeaseLostError) {
          r.lost = true;
          r.abort.abort(err);
          r.log.warn({}, 'lease lost: aborting the job');
        } else {
          r.log.error({ err: messageOf(err) }, 'heartbeat failed');
        }
      }
    }
    this.writeRecord();
  }

  private writeRecord(): void {
    const rec: WorkerRecord = {
      id: this.workerId,
      pid: process.pid,
      host: os.hostname(),
      startedAt: this.startedAt,
      lastSeen: new Date().toISOString(),
      concurrency: this.concurrency,
      processed: this.summary.completed,
      failed: this.summary.failed,
      staleAfterMs: this.staleAfterMs,
      loopAt: new Date(this.loopAt).toISOString(),
      ...(this.pidStart === null ? {} : { pidStart: this.pidStart }),
    };
    try {
      writeWorkerRecord(this.q, this.recordFile, rec);
    } catch (err) {
      this.log.warn({ err: messageOf(err) }, 'could not write the worker record');
    }
  }

  reapNow(): void {
    try {
      const reaped = this.q.reap({ staleAfterMs: this.staleAfterMs });
      for (const e of reaped) {
        this.summary.reaped++;
        this.log.warn(
          { jobId: e.id, deadWorker: e.workerId, attempt: e.attempt, to: e.to, staleForMs: Math.round(e.staleForMs) },
          e.to === 'failed' ? 'reaped a stale job: attempts spent, moved to failed' : `reaped a stale job: back to ${e.to}`,
        );
      }
      if (reaped.some((e) => e.to === 'pending')) this.q.markDirty();
    } catch (err) {
      this.log.error({ err: messageOf(err) }, 'reap failed');
    }
    void this.retireSettledJournals();
  }

  /**
   * Off the claim path: a filesystem sync in a child process, then the journals go; only
   * those the kernel has had time to write back (journalSettleMs), so that workers that
   * start on a batch just enqueued do not force its writeback while they drain it.
   */
  private retireSettledJournals(): Promise<unknown> {
    return this.q.retireJournals({ olderThanMs: this.journalSettleMs }).then(
      (n) => n > 0 && this.log.debug({ journals: n }, 'retired enqueue journals after a filesystem sync'),
      (err: unknown) => this.log.warn({ err: messageOf(err) }, 'could not retire the enqueue journals; they are kept and retried at the next reap'),
    );
  }

  /**
   * Graceful stop: claim nothing more, let running jobs finish for up to graceMs, then
   * hand back whatever is still running (attempt uncounted) and resolve. Nothing is left
   * in processing/ by this worker.
   */
  async stop(graceMs = this.graceMs): Promise<WorkerSummary> {
    if (!this.stopping) void this.shutdown(graceMs);
    await this.done;
    return this.summary;
  }

  /** Immediate stop (a second signal): hand back every running job now, synchronously. */
  stopNow(): void {
    this.stopping = true;
    this.handBackAll();
    this.cleanup();
    this.finished();
  }

  /** `ended`: once or burst is satisfied (nothing is running), rather than stop() called. */
  private async shutdown(graceMs = this.graceMs, ended = false): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // A worker that may never reap again retires what has settled by now (a long burst's
    // batch): a journal left behind waits for the next worker or prune, and is replayed,
    // harmlessly but slowly, after a reboot.
    if (ended) await this.retireSettledJournals();
    if (this.running.size > 0) {
      this.log.info({ running: this.running.size, graceMs }, 'stopping: waiting for running jobs');
      const timer = setTimeout(() => {
        this.handBackAll();
        if (this.running.size === 0) this.finished();
      }, graceMs);
      await this.done;
      clearTimeout(timer);
    } else {
      this.finished();
    }
    this.cleanup();
    const { workerId: _bound, ...tallies } = this.summary; // the logger already carries workerId
    this.log.info(tallies, 'worker stopped');
  }

  private handBackAll(): void {
    for (const r of [...this.running.values()]) {
      if (r.lost) {
        // Nothing of ours to hand back (the lease is gone); a handler ignoring its abort
        // must not hold the shutdown past the grace period.
        this.running.delete(r.claim.name);
        continue;
      }
      if (r.handedBack) continue;
      r.handedBack = true;
      r.abort.abort(new ShutdownError('worker shutting down: job handed back'));
      try {
        if (this.q.release(r.claim)) this.summary.handedBack++;
      } catch (err) {
        r.log.error({ err: messageOf(err) }, 'could not hand the job back; the reaper will');
      }
      // The handler may ignore the abort; the job no longer counts as ours either way.
      this.running.delete(r.claim.name);
    }
  }

  private cleanup(): void {
    for (const t of this.timers) clearInterval(t);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    void this.watcher?.close();
    this.watcher = null;
    removeWorkerRecord(this.q, this.recordFile);
  }
}
