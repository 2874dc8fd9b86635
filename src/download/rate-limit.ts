import * as fs from 'node:fs';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';

/** SEC's ceiling, per user whatever the number of machines or processes. */
export const MAX_RATE = 10;
export const DEFAULT_RATE = 9;
export const RATE_FILE_NAME = '.edgar-rate-limit.json';

/**
 * How much later than its slot a request may reach SEC and still be counted right: the
 * time between taking a slot and the request arriving (connection set-up, TLS, a busy
 * event loop). The window the limiter keeps is one second plus this.
 */
export const ARRIVAL_MARGIN_MS = 250;
/** The longest anyone may ask everyone to pause: a 403 block, or a Retry-After (capped at this). */
export const MAX_PAUSE_MS = 10 * 60_000;
/** A wait longer than this is reported (onLongWait), so that a stalled run says why. */
export const LONG_WAIT_MS = 5_000;

interface BucketState {
  /** The last (up to `rate`) request starts, epoch ms, oldest first. */
  starts: number[];
  /** Nobody starts before this (a 429, 503 or 403 asked everyone to stop). */
  pausedUntil: number;
}

export interface LimiterOptions {
  /** Told once per acquire() that has to wait longer than LONG_WAIT_MS, with the reason. */
  onLongWait?: (info: { waitMs: number; reason: 'paused' | 'rate' }) => void;
}

/**
 * A rate limit shared by every process that points at the same file, checked and recorded
 * under a proper-lockfile lock held for one read and one write. Two rules, both on the
 * starts recorded in the file (any process's):
 *
 * - starts are at least 1/rate seconds apart (no burst: a burst is what SEC counts);
 * - the N-th previous start (N = rate, rounded down) was at least 1000 ms + ARRIVAL_MARGIN_MS
 *   ago (a sliding window with a margin).
 *
 * A slot is stamped when the client takes it, not when SEC receives the request; the
 * second rule keeps "at most N arrivals in any 1000 ms at SEC" true as long as each
 * request reaches SEC within ARRIVAL_MARGIN_MS of its slot, whatever the spread. Slots are
 * taken at the moment the request goes out, never reserved ahead: a process whose timer
 * fires late simply goes late. The price is throughput: N requests per 1.25 s at most
 * (rate 9: 7.2/s sustained; rate 10: 8/s). A file, not a socket or a daemon, so that
 * containers sharing a volume share it.
 *
 * Known limit: proper-lockfile takes over a lock older than its `stale` time (5 s) by
 * check-then-remove; if the holder was killed with the lock held, two waiters may both see
 * it stale and both take the same slot once. It needs a kill -9 at that exact moment and
 * costs at most one extra request in that second.
 */
export class SharedRateLimiter {
  readonly intervalMs: number;
  /** N: how many starts may fall within any one window. */
  readonly perWindow: number;
  readonly windowMs = 1000 + ARRIVAL_MARGIN_MS;

  constructor(readonly file: string, readonly rate: number, private readonly opts: LimiterOptions = {}) {
    if (!(rate > 0 && rate <= MAX_RATE)) throw new RangeError(`rate ${rate} is not in (0, ${MAX_RATE}]`);
    this.intervalMs = 1000 / rate;
    this.perWindow = Math.max(1, Math.floor(rate));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '', { flag: 'a' });
  }

  /**
   * Waits for this process's turn; resolves when the request may start, right now, with
   * the start time recorded in the shared file (the slot the guarantee is counted from).
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    let told = false;
    for (;;) {
      signal?.throwIfAborted();
      let wait: { ms: number; reason: 'paused' | 'rate'; at?: number };
      try {
        wait = await this.update((s, now) => {
          if (now < s.pausedUntil) return { ms: s.pausedUntil - now, reason: 'paused' };
          const last = s.starts[s.starts.length - 1];
          let at = last === undefined ? now : last + this.intervalMs;
          if (s.starts.length >= this.perWindow) at = Math.max(at, s.starts[s.starts.length - this.perWindow]! + this.windowMs);
          if (now < at) return { ms: at - now, reason: 'rate' };
          s.starts.push(now);
          // MAX_RATE kept, not N: processes with a higher rate share the file.
          if (s.starts.length > MAX_RATE) s.starts.splice(0, s.starts.length - MAX_RATE);
          return { ms: 0, reason: 'rate', at: now };
        });
      } catch (err) {
        // The lock stayed busy through every retry (many processes, a slow disk): still
        // this process's turn to come, so wait a little and try again rather than fail the request.
        if ((err as NodeJS.ErrnoException)?.code !== 'ELOCKED') throw err;
        wait = { ms: 50, reason: 'rate' };
      }
      if (wait.ms <= 0) return wait.at ?? Date.now();
      if (!told && wait.ms > LONG_WAIT_MS) {
        told = true;
        this.opts.onLongWait?.({ waitMs: Math.round(wait.ms), reason: wait.reason });
      }
      // Several waiters wake for the same slot; one takes it, the others wait for the next.
      await sleep(wait.ms + Math.random() * 5, signal);
    }
  }

  /**
   * Everyone waits until `untilMs` (at most MAX_PAUSE_MS from now): a 429, 503 or 403 to
   * one process means the address is being throttled or blocked, so all processes back
   * off, not only the one that was told.
   */
  async pauseUntil(untilMs: number): Promise<void> {
    await this.update((s, now) => {
      s.pausedUntil = Math.max(s.pausedUntil, Math.min(untilMs, now + MAX_PAUSE_MS));
      return 0;
    });
  }

  /** When the current shared pause ends (0: none). */
  async pausedUntil(): Promise<number> {
    return this.update((s) => s.pausedUntil);
  }

  private async update<T>(change: (s: BucketState, now: number) => T): Promise<T> {
    const release = await lockfile.lock(this.file, {
      realpath: false,
      // A holder killed with the lock held blocks the others this long (proper-lockfile's minimum).
      stale: 5_000,
      retries: { retries: 1_000, minTimeout: 2, maxTimeout: 25, factor: 1.3, randomize: true },
    });
    try {
      const now = Date.now();
      const { state, raw } = this.read(now);
      const result = change(state, now);
      // Compared with the file as read, so that a capped time is written back once, not
      // capped again to a new "now" by every reader.
      const after = JSON.stringify(state);
      if (after !== raw) fs.writeFileSync(this.file, after);
      // Not awaited: the request should leave now, not after a round trip through the
      // thread pool; the next taker retries the lock for the millisecond this takes.
      void release().catch(() => undefined);
      return result;
    } catch (err) {
      await release().catch(() => undefined);
      throw err;
    }
  }

  private read(now: number): { state: BucketState; raw: string } {
    let raw = '';
    try {
      raw = fs.readFileSync(this.file, 'utf8');
      const s = JSON.parse(raw) as Partial<BucketState>;
      // Times in the future can only come from a clock that jumped back (or a foreign
      // writer): a start is capped at now, a pause at the longest one anyone may ask for.
      const starts = Array.isArray(s.starts) ? s.starts.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)).map((t) => Math.min(t, now)) : [];
      const pausedUntil = typeof s.pausedUntil === 'number' && Number.isFinite(s.pausedUntil) ? Math.min(s.pausedUntil, now + MAX_PAUSE_MS + this.intervalMs) : 0;
      return { state: { starts: starts.slice(-MAX_RATE), pausedUntil }, raw };
    } catch {
      // new, empty, or cut short by a crash mid-write: start afresh (costs at most one slot)
    }
    return { state: { starts: [], pausedUntil: 0 }, raw };
  }
}

export function sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
  return sleep(atMs - Date.now(), signal);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (ms <= 0) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
