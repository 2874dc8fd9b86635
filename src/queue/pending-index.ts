/**
 * A worker's sorted, in-memory view of pending/. Listing a folder of 100k entries costs
 * ~50-90 ms, so a claim must never list: it takes a candidate from this view, and the
 * rename tells whether the candidate is still there. The view is refreshed from a listing
 * only when it runs dry or a rescan is due; names learnt in between (our own enqueues)
 * are merged in. Stale entries are harmless: a losing rename costs microseconds.
 */

const DUE_START = 2;
const DUE_END = 15;

/**
 * Due time straight from the fixed-width name, without a full parse (hot path). A name
 * that does not follow the scheme counts as due, so a claim meets it and quarantines it
 * instead of leaving it in pending/ forever.
 */
export const dueOf = (name: string): number => {
  const due = Number(name.slice(DUE_START, DUE_END));
  return Number.isFinite(due) ? due : 0;
};

export type Pick = { name: string } | { name: null; nextDueMs: number | null };

export class PendingIndex {
  private names: string[] = [];
  private head = 0;
  private readonly live = new Set<string>();
  private incoming: string[] = [];
  /** When the view last came from a full listing (ms since epoch, 0 = never). */
  refreshedAt = 0;

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
      if (due <= nowMs) {
        candidates.push(n);
        continue;
      }
      if (nextDueMs === null || due < nextDueMs) nextDueMs = due;
      // Within one priority, names ascend by due time: the rest of this band is not due
      // either, so jump to the next priority instead of walking a backlog of retries.
      i = this.firstAfterPriority(n.charCodeAt(0), i) - 1;
    }
    if (this.head > 4096 && this.head > this.names.length / 2) {
      this.names = this.names.slice(this.head);
      this.head = 0;
    }
    if (candidates.length === 0) return { name: null, nextDueMs };
    const chosen = candidates[Math.floor(random() * candidates.length)] as string;
    return { name: chosen };
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
