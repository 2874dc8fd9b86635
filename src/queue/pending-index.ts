/**
 * A worker's sorted, in-memory view of pending/. Listing a folder of 100k entries costs
 * ~50-90 ms, so a claim must never list: it takes a candidate from this view, and the
 * rename tells whether the candidate is still there. The view is refreshed from a listing
 * only when it runs dry or a rescan is due; names learnt in between (our own enqueues)
 * are merged in. Stale entries are harmless: a losing rename costs microseconds.
 */

const DUE_START = 2;
const DUE_END = 15;
/** How many live names of the others' a steal looks at per lane before giving up. */
const STEAL_WINDOW = 256;
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

/** `stolen`: taken outside our lane, from a view that may list many names others already took. */
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

export class PendingIndex {
  private names: string[] = [];
  private head = 0;
  private readonly live = new Set<string>();
  private incoming: string[] = [];
  /** When the view last came from a full listing (ms since epoch, 0 = never). */
  refreshedAt = 0;
  private lane: Lane | null = null;
  /**
   * Per priority digit: no live name of our lane, due or not, sits between the band's
   * first live name and this position. Lets a pick in lane mode resume where the last one
   * stopped instead of walking past every other lane's names again. Cleared whenever
   * names move (a listing, an insertion, a compaction).
   */
  private laneCursor = new Map<number, number>();

  get size(): number {
    return this.live.size;
  }

  /** Replace the view with a fresh listing (any order). */
  reset(listing: string[], nowMs: number): void {
    this.names = listing.slice().sort();
    this.head = 0;
    this.live.clear();
    for (const n of this.names) this.live.add(n);
    this.incoming = [];
    this.refreshedAt = nowMs;
    this.laneCursor.clear();
  }

  /** Which share of the names to prefer (null or a count of 1: all of them). */
  setLane(lane: Lane | null): void {
    const next = lane && lane.count > 1 && lane.index >= 0 && lane.index < lane.count ? lane : null;
    if (next?.index === this.lane?.index && next?.count === this.lane?.count) return;
    this.lane = next;
    this.laneCursor.clear();
  }

  add(name: string): void {
    if (this.live.has(name)) return;
    this.live.add(name);
    this.incoming.push(name);
  }

  remove(name: string): void {
    this.live.delete(name);
  }

  /**
   * A due candidate chosen at random among the first `spread` due ones, so that several
   * workers holding the same view do not all race for the same name.
   */
  pick(nowMs: number, spread: number, random: () => number = Math.random): Pick {
    this.mergeIncoming();
    let limit = nowMs;
    if (this.lane) {
      const first = this.firstDueIndex(nowMs);
      if (first >= 0) {
        const own = this.pickInLane(nowMs, this.lane, first);
        if (own !== null) return { name: own };
        // Our share of the first due band is empty (or not due). The others' names are
        // taken only once they have waited STEAL_AFTER_MS: until then their owners, who
        // are at work on them, would win most races for them. This is how the last names
        // of a drain, and the share of a worker that died or is busy, get done.
        limit = nowMs - STEAL_AFTER_MS;
        const oldest = dueOf(this.names[first] as string);
        if (oldest > limit) return { name: null, nextDueMs: oldest + STEAL_AFTER_MS };
        const other = this.stealFromBack(limit, this.lane, first);
        if (other !== null) return { name: other, stolen: true };
      }
    }
    const candidates: string[] = [];
    let nextDueMs: number | null = null;
    let i = this.head;
    for (; i < this.names.length && candidates.length < spread; i++) {
      const n = this.names[i] as string;
      if (!this.live.has(n)) {
        if (i === this.head) this.head++;
        continue;
      }
      // The spread never crosses priorities: a high job always goes before a normal one.
      if (candidates.length > 0 && n.charCodeAt(0) !== (candidates[0] as string).charCodeAt(0)) break;
      const due = dueOf(n);
      if (due <= limit) {
        candidates.push(n);
        continue;
      }
      if (nextDueMs === null || due < nextDueMs) nextDueMs = due + (nowMs - limit);
      // Within one priority, names ascend by due time: the rest of this band is not due
      // either, so jump to the next priority instead of walking a backlog of retries.
      i = this.firstAfterPriority(n.charCodeAt(0), i) - 1;
    }
    if (this.head > 4096 && this.head > this.names.length / 2) {
      this.names = this.names.slice(this.head);
      this.head = 0;
      this.laneCursor.clear();
    }
    if (candidates.length === 0) return { name: null, nextDueMs };
    const chosen = candidates[Math.floor(random() * candidates.length)] as string;
    return this.lane ? { name: chosen, stolen: true } : { name: chosen };
  }

  /**
   * The first due name of our lane in the first band (priority digit) that holds a live
   * due name, or null. Never crosses into a lower priority: a high job in another lane
   * goes before a normal one in ours (the caller then takes from anyone's share).
   */
  private pickInLane(nowMs: number, lane: Lane, i: number): string | null {
    const digit = (this.names[i] as string).charCodeAt(0);
    let j = Math.max(i, this.laneCursor.get(digit) ?? 0);
    for (; j < this.names.length; j++) {
      const n = this.names[j] as string;
      if (n.charCodeAt(0) !== digit) break;
      if (!this.live.has(n) || laneOf(n, lane.count) !== lane.index) continue;
      this.laneCursor.set(digit, j);
      // Names ascend by due time within a band: if ours is not due, none after it is.
      return dueOf(n) <= nowMs ? n : null;
    }
    this.laneCursor.set(digit, j);
    return null;
  }

  /**
   * A due name of another lane, taken from the back of the band: its owner works from the
   * front, so the two meet only once, at the end. Each worker turns first to the lane after
   * its own, so that idle workers do not all descend on the same one. Gives up (null) after
   * looking at STEAL_WINDOW live names for each lane, rather than walk a huge band.
   */
  private stealFromBack(limit: number, lane: Lane, start: number): string | null {
    const digit = (this.names[start] as string).charCodeAt(0);
    let lo = start;
    let hi = this.firstAfterPriority(digit, start);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dueOf(this.names[mid] as string) <= limit) lo = mid + 1;
      else hi = mid;
    }
    for (let v = 1; v < lane.count; v++) {
      const victim = (lane.index + v) % lane.count;
      for (let j = lo - 1, looked = 0; j >= start && looked < STEAL_WINDOW; j--) {
        const n = this.names[j] as string;
        if (!this.live.has(n)) continue;
        looked++;
        if (laneOf(n, lane.count) === victim) return n;
      }
    }
    return null;
  }

  /** Where the first live, due name is (bands whose head is not due are skipped), or -1. */
  private firstDueIndex(nowMs: number): number {
    for (let i = this.head; i < this.names.length; i++) {
      const n = this.names[i] as string;
      if (!this.live.has(n)) {
        if (i === this.head) this.head++;
        continue;
      }
      if (dueOf(n) <= nowMs) return i;
      i = this.firstAfterPriority(n.charCodeAt(0), i) - 1;
    }
    return -1;
  }

  private firstAfterPriority(digit: number, from: number): number {
    let lo = from;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.names[mid] as string).charCodeAt(0) <= digit) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private mergeIncoming(): void {
    if (this.incoming.length === 0) return;
    this.laneCursor.clear();
    if (this.incoming.length <= 32) {
      for (const n of this.incoming) this.insertSorted(n);
    } else {
      const rest = this.names.slice(this.head).filter((n) => this.live.has(n));
      this.names = rest.concat(this.incoming).sort();
      this.head = 0;
    }
    this.incoming = [];
  }

  private insertSorted(name: string): void {
    let lo = this.head;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.names[mid] as string) < name) lo = mid + 1;
      else hi = mid;
    }
    this.names.splice(lo, 0, name);
  }
}
