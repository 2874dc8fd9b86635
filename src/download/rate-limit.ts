import * as fs from 'node:fs';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';

/** SEC's ceiling, per user whatever the number of machines or processes. */
export const MAX_RATE = 10;
export const DEFAULT_RATE = 9;
export const RATE_FILE_NAME = '.edgar-rate-limit.json';

interface BucketState {
  /** The earliest time (epoch ms) the next request may start. */
  nextSlotMs: number;
}

/**
 * A rate limit shared by every process that points at the same file: a request may start
 * once 1/rate seconds have passed since the previous one (any process's), checked and
 * recorded under a proper-lockfile lock held for one read and one write. Slots are taken
 * at the moment the request goes out, never reserved ahead: a process whose timer fires
 * late then simply goes late, instead of going out on top of the next process's slot.
 * Starts are thus at least 1/rate apart, so any one-second window holds at most `rate`
 * of them; the default of 9 leaves one request of margin under SEC's 10 for network
 * jitter. (A token bucket one token deep: no burst allowance, because a burst is what SEC
 * counts.) A file, not a socket or a daemon, so that containers sharing a volume share it.
 */
export class SharedRateLimiter {
  readonly intervalMs: number;

  constructor(readonly file: string, readonly rate: number) {
    if (!(rate > 0 && rate <= MAX_RATE)) throw new RangeError(`rate ${rate} is not in (0, ${MAX_RATE}]`);
    this.intervalMs = 1000 / rate;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '', { flag: 'a' });
  }

  /** Waits for this process's turn; resolves when the request may start, right now. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = await this.update((s, now) => {
        if (now < s.nextSlotMs) return s.nextSlotMs - now;
        s.nextSlotMs = now + this.intervalMs;
        return 0;
      });
      if (waitMs <= 0) return;
      // Several waiters wake for the same slot; one takes it, the others wait for the next.
      await sleep(waitMs + Math.random() * 5, signal);
    }
  }

  /**
   * Everyone waits until `untilMs`: a 429 or 503 to one process means the address is
   * being throttled, so all processes back off, not only the one that was told.
   */
  async pauseUntil(untilMs: number): Promise<void> {
    await this.update((s) => {
      s.nextSlotMs = Math.max(s.nextSlotMs, untilMs);
      return untilMs;
    });
  }

  private async update(change: (s: BucketState, now: number) => number): Promise<number> {
    const release = await lockfile.lock(this.file, {
      realpath: false,
      // A holder killed with the lock held blocks the others this long (proper-lockfile's minimum).
      stale: 5_000,
      retries: { retries: 1_000, minTimeout: 2, maxTimeout: 25, factor: 1.3, randomize: true },
    });
    try {
      const state = this.read();
      const before = state.nextSlotMs;
      const result = change(state, Date.now());
      if (state.nextSlotMs !== before) fs.writeFileSync(this.file, JSON.stringify(state));
      // Not awaited: the request should leave now, not after a round trip through the
      // thread pool; the next taker retries the lock for the millisecond this takes.
      void release().catch(() => undefined);
      return result;
    } catch (err) {
      await release().catch(() => undefined);
      throw err;
    }
  }

  private read(): BucketState {
    try {
      const s = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<BucketState>;
      // A slot far in the future can only come from a clock that jumped back: ignore it.
      if (typeof s.nextSlotMs === 'number' && s.nextSlotMs < Date.now() + 60 * 60_000) return { nextSlotMs: s.nextSlotMs };
    } catch {
      // new, empty, or cut short by a crash mid-write: start afresh (costs at most one slot)
    }
    return { nextSlotMs: 0 };
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
