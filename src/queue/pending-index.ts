/**
 * A worker's sorted, in-memory view of pending/. Listing a folder of 100k entries costs
 * ~50-90 ms, so a claim must never list: it takes a candidate from this view, and the
 * rename tells whether the candidate is still there. The view is refreshed from a listing
 * only when it runs dry or a rescan is due; names learnt in between (our own enqueues)
 * are merged in. A stale entry costs one losing rename (microseconds) when it is tried; in
 * lane mode it can also make a worker wait for another lane's fresh name that is in fact
 * gone, but never while work of its own is due (see pickLaned).
 */

const DUE_START = 2;
const DUE_END = 15;
/**
 * How long a name must have been due before a worker of another lane may take it. Owners
 * take fresh names within milliseconds; this only delays the names of a worker that is
 * busy, stopping or dead, and keeps idle workers from racing the owners for fresh ones.
 */
export const STEAL_AFTER_MS = 1_000;

/**
 * Due time straight from the fixed-width name, without a full parse (hot path). A name
 * that does not follow the scheme counts as due, so a claim meets it and quarantines it
 * instead of leaving it in pending/ forever.
 */
export const dueOf = (name: string): number => {
  const due = Number(name.slice(DUE_START, DUE_END));
  return Number.isFinite(due) ? due : 0;
};

/** `stolen`: taken from another lane, so the view may well be stale there (list before trying many). */
export type Pick = { name: string; stolen?: boolean } | { name: null; nextDueMs: number | null };

/**
 * This process's share of the names: the ones whose hash, modulo `count`, is `index`.
 * Several processes draining one folder each walk their own share first, so they stop
 * racing for the same names (with one shared order, every name taken by one process was
 * later tried, and missed, by each of the others).
 */
export interface Lane {
  index: number;
  count: number;
}

/**
 * FNV-1a over the name, then murmur3's finalizer: FNV alone leaves the low bits poorly
 * mixed, and sequential ids fell 20/180/20/180 over 4 lanes.
 */
export const laneOf = (name: string, count: number): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % count;
};

/** The fixed-width head every name the queue writes has; anything else is for quarantine. */
const WELL_FORMED = /^\d-\d{13}-/;

export class PendingIndex {
  private names: string[] = [];
  /**
   * Names outside the scheme (a file dropped in by hand): kept out of the sorted array,
   * whose order they would break (their due time reads as 0), and handed out first, so
   * that a claim quarantines them at once.
   */
  private odd: string[] = [];
  private head = 0;
  private readonly live = new Set<string>();
  private incoming: string[] = [];
  /** When the view last came from a full listing (ms since epoch, 0 = never). */
  refreshedAt = 0;
  private lane: Lane | null = null;
  /**
   * Per priority digit, positions in `names` that let a pick resume where the last one
   * stopped instead of walking again past names that are gone (bandFirst: no live name of
   * the band before it) or that belong to other lanes (laneCursor: no live name of our lane
   * before it). Kept valid through insertions (shiftCursors) and compaction; cleared when
   * the array is rebuilt.
   */
  private bandFirst = new Map<number, number>();
  private laneCursor = new Map<number, number>();
  /**
   * Per band and victim lane (digit * 64 + lane): the stealable end of the band when it
   * was last walked back (`top`), and where that walk stopped (`at`): between the two there
   * is no live name of that lane. The next walk looks above `top` (names that have become
   * stealable since), then below `at`. Cleared when names move.
   */
  private stealCursor = new Map<number, { top: number; at: number }>();
  /** Positions walked by picks so far: what the cursors keep small (tests count it). */
  steps = 0;

  get size(): number {
    return this.live.size;
  }

  /** Replace the view with a fresh listing (any order). */
  reset(listing: string[], nowMs: number): void {
    this.names = listing.filter((n) => WELL_FORMED.test(n)).sort();
    this.odd = listing.filter((n) => !WELL_FORMED.test(n));
    this.head = 0;
    this.live.clear();
    for (const n of listing) this.live.add(n);
    this.incoming = [];
    this.refreshedAt = nowMs;
    this.clearCursors();
  }

  /** Which share of the names to prefer (null or a count of 1: all of them). */
  setLane(lane: Lane | null): void {
    const next = lane && lane.count > 1 && lane.index >= 0 && lane.index < lane.count ? lane : null;
    if (next?.index === this.lane?.index && next?.count === this.lane?.count) return;
    this.lane = next;
    this.laneCursor.clear();
    this.stealCursor.clear();
  }

  add(name: string): void {
    if (this.live.has(name)) return;
    this.live.add(name);
    if (WELL_FORMED.test(name)) this.incoming.push(name);
    else this.odd.push(name);
  }

  remove(name: string): void {
    this.live.delete(name);
  }

  /**
   * The next name to try, or when none may be taken now, when to look again. Without a
   * lane: a due name chosen at random among the first `spread` of the first band (priority)
   * that has any, so that workers holding the same view do not all race for one name. With
   * a lane: see pickLaned. Never a name that is not due.
   */
  pick(nowMs: number, spread: number, random: () => number = Math.random): Pick {
    while (this.odd.length > 0) {
      const n = this.odd.pop() as string;
      if (this.live.has(n)) return { name: n };
    }
    this.mergeIncoming();
    while (this.head < this.names.length && !this.live.has(this.names[this.head] as string)) this.head++;
    const picked = this.lane ? this.pickLaned(nowMs, this.lane) : this.pickSpread(nowMs, spread, random);
    if (this.head > 4096 && this.head > this.names.length / 2) {
      const gone = this.head;
      this.names = this.names.slice(gone);
      this.head = 0;
      for (const m of [this.bandFirst, this.laneCursor]) for (const [d, c] of m) m.set(d, Math.max(0, c - gone));
      this.stealCursor.clear();
    }
    return picked;
  }

  private pickSpread(nowMs: number, spread: number, random: () => number): Pick {
    let wake: number | null = null;
    for (let i = this.head; i < this.names.length; ) {
      const digit = (this.names[i] as string).charCodeAt(0);
      const end = this.firstAfterPriority(digit, i);
      const f = this.firstLive(digit, i, end);
      // Within one band names ascend by due time: if its first is not due, none is.
      if (f === end || dueOf(this.names[f] as string) > nowMs) {
        if (f < end) wake = earlier(wake, dueOf(this.names[f] as string));
        i = end;
        continue;
      }
      // The spread never crosses priorities: a high job always goes before a normal one.
      const candidates: string[] = [];
      for (let j = f; j < end && candidates.length < spread; j++) {
        const n = this.names[j] as string;
        if (!this.live.has(n)) continue;
        if (dueOf(n) > nowMs) break;
        candidates.push(n);
      }
      return { name: candidates[Math.floor(random() * candidates.length)] as string };
    }
    return { name: null, nextDueMs: wake };
  }

  /**
   * Band by band, highest priority first: our lane's first due name; else another lane's
   * name that has been due for STEAL_AFTER_MS (its owner is busy, stopping or dead, or the
   * drain is at its end), taken from the back of the band, where its owner, working from
   * the front, is not; else, as long as the band holds only others' fresh names, the next
   * band down, so that a free worker never sits idle with work of its own due (a higher
   * job is left to its owner for at most STEAL_AFTER_MS meanwhile).
   */
  private pickLaned(nowMs: number, lane: Lane): Pick {
    let wake: number | null = null;
    const limit = nowMs - STEAL_AFTER_MS;
    for (let i = this.head; i < this.names.length; ) {
      const digit = (this.names[i] as string).charCodeAt(0);
      const end = this.firstAfterPriority(digit, i);
      const f = this.firstLive(digit, i, end);
      if (f === end) {
        i = end;
        continue;
      }
      const firstDue = dueOf(this.names[f] as string);
      if (firstDue > nowMs) {
        wake = earlier(wake, firstDue);
        i = end;
        continue;
      }
      const own = this.ownInBand(digit, f, end, lane);
      if (own !== null) {
        if (dueOf(own) <= nowMs) return { name: own };
        wake = earlier(wake, dueOf(own));
      }
      // No own name due here, so the band's first live name is another lane's.
      if (firstDue <= limit) return { name: this.stealFromBack(limit, lane, f, end) ?? (this.names[f] as string), stolen: true };
      wake = earlier(wake, firstDue + STEAL_AFTER_MS);
      i = end;
    }
    return { name: null, nextDueMs: wake };
  }

  /** The first live name of the band at or after `from`, or `end`. */
  private firstLive(digit: number, from: number, end: number): number {
    const start = Math.max(from, this.bandFirst.get(digit) ?? 0);
    let j = start;
    while (j < end && !this.live.has(this.names[j] as string)) j++;
    this.steps += j - start;
    this.bandFirst.set(digit, j);
    return j;
  }

  /** Our lane's first live name in the band (due or not), or null. */
  private ownInBand(digit: number, from: number, end: number, lane: Lane): string | null {
    const start = Math.max(from, this.laneCursor.get(digit) ?? 0);
    let j = start;
    for (; j < end; j++) {
      const n = this.names[j] as string;
      if (this.live.has(n) && laneOf(n, lane.count) === lane.index) break;
    }
    this.steps += j - start;
    this.laneCursor.set(digit, j);
    return j < end ? (this.names[j] as string) : null;
  }

  /**
   * A name of another lane due by `limit`, from the back of the band's stealable part,
   * trying the lane after ours first, then the next, so that idle workers do not all
   * descend on the same lane. Each lane's walk resumes where the last one stopped (see
   * stealCursor), so a long steal phase costs about `count` steps a pick, not a walk over
   * every name stolen so far. Null only when no other lane has a stealable live name.
   */
  private stealFromBack(limit: number, lane: Lane, from: number, end: number): string | null {
    const lo = this.firstWhere(from, end, (n) => dueOf(n) > limit);
    const digit = (this.names[from] as string).charCodeAt(0);
    for (let v = 1; v < lane.count; v++) {
      const victim = (lane.index + v) % lane.count;
      const key = digit * 64 + victim;
      const c = this.stealCursor.get(key);
      const top = c ? Math.min(c.top, lo) : from;
      let found = -1;
      // Above the last walk: names that have become stealable since.
      for (let j = lo - 1; j >= Math.max(top, from) && found < 0; j--) if (this.isLaneName(j, lane.count, victim)) found = j;
      // Below where it stopped: not walked yet.
      for (let j = (c ? Math.min(c.at, top) : from) - 1; j >= from && found < 0; j--) if (this.isLaneName(j, lane.count, victim)) found = j;
      this.stealCursor.set(key, { top: lo, at: found < 0 ? from : found });
      if (found >= 0) return this.names[found] as string;
    }
    return null;
  }

  private isLaneName(j: number, count: number, l: number): boolean {
    this.steps++;
    const n = this.names[j] as string;
    return this.live.has(n) && laneOf(n, count) === l;
  }

  private firstAfterPriority(digit: number, from: number): number {
    return this.firstWhere(from, this.names.length, (n) => n.charCodeAt(0) > digit);
  }

  /** Binary search: the first position in [lo, hi) whose name meets `past` (false up to it, true after). */
  private firstWhere(lo: number, hi: number, past: (name: string) => boolean): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (past(this.names[mid] as string)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private clearCursors(): void {
    this.bandFirst.clear();
    this.laneCursor.clear();
    this.stealCursor.clear();
  }

  private mergeIncoming(): void {
    if (this.incoming.length === 0) return;
    if (this.incoming.length <= 32) {
      for (const n of this.incoming) this.insertSorted(n);
    } else {
      const rest = this.names.slice(this.head).filter((n) => this.live.has(n));
      this.names = rest.concat(this.incoming).sort();
      this.head = 0;
      this.clearCursors();
    }
    this.incoming = [];
  }

  private insertSorted(name: string): void {
    const lo = this.firstWhere(this.head, this.names.length, (n) => n >= name);
    this.names.splice(lo, 0, name);
    this.shiftCursors(lo, name);
  }

  /**
   * A name inserted at `at`: a cursor of a later band keeps pointing at the same name
   * (one place on); one of the same band that was past the insertion comes back to it
   * (for our lane's cursor, only if the name is ours). Steal cursors start over.
   */
  private shiftCursors(at: number, name: string): void {
    const digit = name.charCodeAt(0);
    const ours = this.lane !== null && laneOf(name, this.lane.count) === this.lane.index;
    for (const m of [this.bandFirst, this.laneCursor]) {
      for (const [d, c] of m) {
        if (d === digit) {
          if (at < c) m.set(d, m === this.laneCursor && !ours ? c + 1 : at);
        } else if (d > digit) m.set(d, c + 1);
      }
    }
    this.stealCursor.clear();
  }
}

const earlier = (a: number | null, b: number): number => (a === null || b < a ? b : a);
