import { describe, expect, it } from 'vitest';
import {
  claimedName,
  decodeId,
  encodeId,
  finishedName,
  parseClaimedName,
  parseFinishedName,
  parsePendingName,
  pendingName,
  sanitizeWorkerId,
} from '../../src/queue/names.js';
import { dueOf as dueOfName, laneOf, PendingIndex, STEAL_AFTER_MS } from '../../src/queue/pending-index.js';
import { backoffDelay } from '../../src/queue/backoff.js';

describe('file names', () => {
  it('sort by priority, then due time, then id', () => {
    const names = [
      pendingName({ priority: 'low', dueMs: 1, id: 'a', attempts: 0 }),
      pendingName({ priority: 'normal', dueMs: 2_000, id: 'b', attempts: 0 }),
      pendingName({ priority: 'normal', dueMs: 100, id: 'z', attempts: 2 }),
      pendingName({ priority: 'high', dueMs: 9_999_999, id: 'c', attempts: 0 }),
      pendingName({ priority: 'normal', dueMs: 100, id: 'y', attempts: 0 }),
    ];
    expect(names.slice().sort().map((n) => parsePendingName(n)?.id)).toEqual(['c', 'y', 'z', 'b', 'a']);
  });

  it('round-trip ids with any characters, and keep them out of the separators', () => {
    for (const id of ['0000950123-10-012345', 'a~b', 'with space/and slash', 'ünïcødé', '.hidden', '%41']) {
      const enc = encodeId(id);
      expect(enc).toMatch(/^[A-Za-z0-9_.%-]+$/);
      expect(enc.startsWith('.')).toBe(false);
      expect(decodeId(enc)).toBe(id);
      const p = pendingName({ priority: 'normal', dueMs: 5, id, attempts: 1 });
      expect(parsePendingName(p)).toEqual({ priority: 'normal', dueMs: 5, id, attempts: 1 });
      expect(parseFinishedName(finishedName(id))).toBe(id);
    }
  });

  it('a claimed name carries the attempt being run and its owner', () => {
    const pending = { priority: 'high' as const, dueMs: 42, id: 'job-1', attempts: 2 };
    const c = parseClaimedName(claimedName(pending, 'host-7', 'abc123'));
    expect(c).toEqual({ ...pending, attempt: 3, worker: 'host-7', nonce: 'abc123' });
    expect(parsePendingName(claimedName(pending, 'w', 'n'))).toBeNull();
    expect(parseClaimedName(pendingName(pending))).toBeNull();
  });

  it('rejects names that do not follow the scheme', () => {
    for (const n of ['job.json', '5-12-x~0.json', '5-0000000000001-~0.json', '7-0000000000001-a~0.json', '5-0000000000001-a~x.json', '5-0000000000001-a~0']) {
      expect(parsePendingName(n)).toBeNull();
    }
  });

  it('refuses empty and over-long ids, and sanitizes worker ids', () => {
    expect(() => encodeId('')).toThrow(/empty/);
    expect(() => encodeId('x'.repeat(200))).toThrow(/too long/);
    expect(sanitizeWorkerId('my host~1/2')).toBe('my_host_1_2');
    expect(sanitizeWorkerId('')).toBe('worker');
  });
});

describe('PendingIndex', () => {
  const name = (id: string, dueMs: number, priority: 'high' | 'normal' | 'low' = 'normal') =>
    pendingName({ priority, dueMs, id, attempts: 0 });

  it('picks only due names, among the first few, and reports the next due time', () => {
    const idx = new PendingIndex();
    idx.reset([name('later', 5_000), name('a', 10), name('b', 20), name('hi-later', 3_000, 'high')], 0);
    const picked = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const p = idx.pick(100, 8);
      if (p.name) picked.add(parsePendingName(p.name)!.id);
    }
    expect([...picked].sort()).toEqual(['a', 'b']);
    idx.remove(name('a', 10));
    idx.remove(name('b', 20));
    expect(idx.pick(100, 8)).toEqual({ name: null, nextDueMs: 3_000 });
    expect(idx.pick(4_000, 8)).toEqual({ name: name('hi-later', 3_000, 'high') });
  });

  it('merges names learnt after the listing in sorted order, small and large batches alike', () => {
    const idx = new PendingIndex();
    idx.reset([name('m', 50)], 0);
    idx.add(name('first', 1, 'high'));
    expect(idx.pick(100, 1)).toEqual({ name: name('first', 1, 'high') });
    const many = Array.from({ length: 100 }, (_, i) => name(`n${String(i).padStart(3, '0')}`, 10));
    for (const n of many.slice().reverse()) idx.add(n);
    expect(idx.pick(100, 1)).toEqual({ name: name('first', 1, 'high') });
    idx.remove(name('first', 1, 'high'));
    expect(idx.pick(100, 1)).toEqual({ name: many[0] });
    expect(idx.size).toBe(101);
  });

  it('skips a large backlog of not-yet-due retries without walking it', () => {
    const idx = new PendingIndex();
    const retries = Array.from({ length: 50_000 }, (_, i) => name(`r${i}`, 1_000_000 + i, 'high'));
    idx.reset([...retries, name('due', 5, 'low')], 0);
    expect(idx.pick(100, 8)).toEqual({ name: name('due', 5, 'low') });
  });

  describe('lanes', () => {
    const names = Array.from({ length: 400 }, (_, i) => name(`job-${String(i).padStart(4, '0')}`, 10 + i));
    const drain = (idx: PendingIndex, now = 1_000_000): { name: string; stolen: boolean }[] => {
      const out: { name: string; stolen: boolean }[] = [];
      for (let p = idx.pick(now, 8); p.name !== null; p = idx.pick(now, 8)) {
        out.push({ name: p.name, stolen: p.stolen === true });
        idx.remove(p.name);
      }
      return out;
    };

    it('spread sequential ids evenly', () => {
      const counts = [0, 0, 0, 0];
      for (const n of names) counts[laneOf(n, 4)]!++;
      for (const c of counts) expect(c).toBeGreaterThan(80);
    });

    it('each of 4 views takes its own share first, in order, and the shares do not overlap', () => {
      const taken = new Map<string, number>();
      for (let lane = 0; lane < 4; lane++) {
        const idx = new PendingIndex();
        idx.reset(names, 0);
        idx.setLane({ index: lane, count: 4 });
        const own = drain(idx).filter((p) => !p.stolen).map((p) => p.name);
        expect(own).toEqual(names.filter((n) => laneOf(n, 4) === lane));
        for (const n of own) taken.set(n, (taken.get(n) ?? 0) + 1);
      }
      expect(taken.size).toBe(names.length);
      expect([...taken.values()].every((c) => c === 1)).toBe(true);
    });

    it('once its own share is gone, a view takes from the others (nothing is left behind)', () => {
      const idx = new PendingIndex();
      idx.reset(names, 0);
      idx.setLane({ index: 1, count: 4 });
      const all = drain(idx);
      expect(all.map((p) => p.name).sort()).toEqual(names.slice().sort());
      const firstStolen = all.findIndex((p) => p.stolen);
      expect(all.slice(0, firstStolen).every((p) => laneOf(p.name, 4) === 1)).toBe(true);
      expect(all.slice(firstStolen).every((p) => p.stolen)).toBe(true);
    });

    it('never put a normal job of its own before a high one of another lane, nor a job that is not due', () => {
      const normal = names.slice(0, 20);
      const mine = normal.find((n) => laneOf(n, 2) === 0)!;
      const high = Array.from({ length: 20 }, (_, i) => name(`hi-${i}`, 5, 'high')).filter((n) => laneOf(n, 2) === 1);
      const notDue = Array.from({ length: 20 }, (_, i) => name(`later-${i}`, 50_000, 'high')).find((n) => laneOf(n, 2) === 0)!;
      const idx = new PendingIndex();
      idx.reset([...normal, ...high, notDue], 0);
      idx.setLane({ index: 0, count: 2 });
      // The high ones are another lane's and fresh: left to their owner for now, and a free
      // worker does its own due work meanwhile rather than sit idle.
      expect(idx.pick(1_000, 1)).toEqual({ name: mine });
      // Once they have waited, they go before any more normal work of ours.
      const first = idx.pick(5 + STEAL_AFTER_MS, 1);
      expect(first.name !== null && high.includes(first.name) && first.stolen).toBe(true);
      for (const h of high) idx.remove(h);
      expect(idx.pick(5 + STEAL_AFTER_MS, 1)).toEqual({ name: mine });
      expect(idx.pick(60_000, 1)).toEqual({ name: notDue });
    });

    it("takes another lane's names only once they have waited, from the back, the next lane's first", () => {
      const fresh = names.slice(0, 40);
      const idx = new PendingIndex();
      idx.reset(fresh.filter((n) => laneOf(n, 4) !== 0), 0);
      idx.setLane({ index: 0, count: 4 });
      const now = 20; // the names were due at 10..49
      expect(idx.pick(now, 8)).toEqual({ name: null, nextDueMs: 10 + STEAL_AFTER_MS });
      const later = 50 + STEAL_AFTER_MS;
      const got = idx.pick(later, 8);
      const lane1 = fresh.filter((n) => laneOf(n, 4) === 1);
      expect(got).toEqual({ name: lane1[lane1.length - 1], stolen: true });
    });

    it("when nothing may be taken yet, says when the first thing may: our own job's due time, or another lane's name's plus the wait", () => {
      const ofLane = (l: number, prefix: string, due: number, priority: 'high' | 'normal' = 'normal') =>
        Array.from({ length: 50 }, (_, i) => name(`${prefix}${i}`, due, priority)).find((n) => laneOf(n, 2) === l)!;
      const theirs = ofLane(1, 'theirs', 10_000);
      const idx = new PendingIndex();
      idx.reset([theirs, ofLane(0, 'retry', 10_100)], 0);
      idx.setLane({ index: 0, count: 2 });
      expect(idx.pick(10_000, 8)).toEqual({ name: null, nextDueMs: 10_100 });
      idx.reset([theirs, ofLane(0, 'urgent', 10_200, 'high')], 0);
      expect(idx.pick(10_000, 8)).toEqual({ name: null, nextDueMs: 10_200 });
      idx.reset([theirs], 0);
      expect(idx.pick(10_000, 8)).toEqual({ name: null, nextDueMs: 10_000 + STEAL_AFTER_MS });
    });

    it('keeps its place through insertions: no rescans of the whole view, and a name inserted before it is seen', () => {
      const many = Array.from({ length: 20_000 }, (_, i) => name(`m${String(i).padStart(6, '0')}`, 10 + i));
      const idx = new PendingIndex();
      idx.reset(many, 0);
      idx.setLane({ index: 0, count: 4 });
      for (let i = 0; i < 2_000; i++) {
        const p = idx.pick(1_000_000, 8);
        idx.remove(p.name!);
        // A retry of another job goes back in after every pick (as failures do).
        idx.add(name(`r${i}`, 2_000_000 + i));
      }
      // Clearing the cursors on each insertion made every pick walk again from the front,
      // past every name taken so far: ~4,000 positions a pick by the end. Kept, a pick walks
      // past the few names of other lanes before its next own one.
      expect(idx.steps / 2_000).toBeLessThan(20);
      // A name of ours inserted before the cursor is taken next.
      const early = Array.from({ length: 50 }, (_, i) => name(`early${i}`, 5)).find((n) => laneOf(n, 4) === 0)!;
      idx.add(early);
      expect(idx.pick(1_000_000, 8)).toEqual({ name: early });
    });

    it('agrees with a plain model of the rules over thousands of random operations', () => {
      let seed = 42;
      const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const prios = ['high', 'normal', 'low'] as const;
      let picks = 0;
      for (let round = 0; round < 150; round++) {
        const idx = new PendingIndex();
        const live = new Set<string>();
        let now = 100_000;
        let lane: { index: number; count: number } | null = null;
        let serial = 0;
        const fresh = () => name(`f${round}-${serial++}`, now + Math.floor((rnd() - 0.7) * 4_000), prios[Math.floor(rnd() * 3)]);
        const listing = Array.from({ length: 1 + Math.floor(rnd() * 60) }, fresh);
        idx.reset(listing, now);
        for (const n of listing) live.add(n);
        for (let op = 0; op < 120; op++) {
          const r = rnd();
          if (r < 0.1) {
            const n = fresh();
            idx.add(n);
            live.add(n);
          } else if (r < 0.11) {
            // A file dropped in by hand: handed out before anything else, to be quarantined.
            const odd = `odd-${round}-${serial++}.json`;
            idx.add(odd);
            const got = idx.pick(now, 8);
            expect(got).toEqual({ name: odd });
            idx.remove(odd);
          } else if (r < 0.15) {
            lane = rnd() < 0.3 ? null : { count: 2 + Math.floor(rnd() * 3), index: 0 };
            if (lane) lane.index = Math.floor(rnd() * lane.count);
            idx.setLane(lane);
          } else if (r < 0.25 && live.size > 0) {
            const n = [...live][Math.floor(rnd() * live.size)]!; // taken by someone else
            idx.remove(n);
            live.delete(n);
          } else {
            now += Math.floor(rnd() * 400);
            const got = idx.pick(now, 8);
            picks++;
            const sorted = [...live].sort();
            const bands = [...new Set(sorted.map((n) => n[0]))];
            const isOwn = (n: string) => lane !== null && laneOf(n, lane.count) === lane.index;
            let want: string[] | null = null;
            for (const b of bands) {
              const inBand = sorted.filter((n) => n[0] === b);
              if (!lane) {
                const due = inBand.filter((n) => dueOfName(n) <= now);
                if (due.length) want = due.slice(0, 8);
              } else {
                const own = inBand.filter((n) => isOwn(n) && dueOfName(n) <= now);
                const steal = inBand.filter((n) => !isOwn(n) && dueOfName(n) <= now - STEAL_AFTER_MS);
                if (own.length) want = [own[0]!];
                else if (steal.length) {
                  // From the back, the lane after ours first, then the next.
                  const l = lane;
                  for (let v = 1; v < l.count && !want; v++) {
                    const ofVictim = steal.filter((n) => laneOf(n, l.count) === (l.index + v) % l.count);
                    if (ofVictim.length) want = [ofVictim[ofVictim.length - 1]!];
                  }
                }
              }
              if (want) break;
            }
            if (want) {
              expect(got.name !== null && want.includes(got.name), `pick ${picks}`).toBe(true);
              idx.remove(got.name!);
              live.delete(got.name!);
            } else {
              expect(got.name, `pick ${picks}`).toBeNull();
              if (live.size > 0 && got.name === null) {
                const takeable = Math.min(...[...live].map((n) => dueOfName(n) + (lane && !isOwn(n) ? STEAL_AFTER_MS : 0)));
                expect(got.nextDueMs).not.toBeNull();
                expect(got.nextDueMs!).toBeGreaterThan(now);
                expect(got.nextDueMs!).toBeLessThanOrEqual(takeable);
              }
            }
          }
        }
      }
      expect(picks).toBeGreaterThan(10_000);
    });

    it('a long steal phase walks each name about once: from the back, while the owner works from the front', () => {
      const many = Array.from({ length: 20_000 }, (_, i) => name(`s${String(i).padStart(6, '0')}`, 10 + i));
      const idx = new PendingIndex();
      idx.reset(many, 0);
      idx.setLane({ index: 0, count: 2 });
      const theirs = many.filter((n) => laneOf(n, 2) === 1);
      const taken: string[] = [];
      for (let p = idx.pick(1_000_000, 8); p.name !== null; p = idx.pick(1_000_000, 8)) {
        idx.remove(p.name);
        if (p.stolen) {
          taken.push(p.name);
          // Meanwhile the owner takes one from its front.
          const front = theirs.shift();
          if (front !== undefined && front !== p.name) idx.remove(front);
        }
        if (theirs.length > 0 && theirs[theirs.length - 1] === p.name) theirs.pop();
      }
      expect(taken.length).toBeGreaterThan(4_000);
      // Each steal took the back-most name left: strictly descending.
      expect(taken.every((n, i) => i === 0 || n < taken[i - 1]!)).toBe(true);
      expect(idx.steps / 20_000).toBeLessThan(10);
    });

    it('a view whose lane changes starts its own share from the front again', () => {
      const idx = new PendingIndex();
      idx.reset(names, 0);
      idx.setLane({ index: 0, count: 4 });
      const gone = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const p = idx.pick(1_000_000, 8).name!;
        idx.remove(p);
        gone.add(p);
      }
      idx.setLane({ index: 2, count: 3 });
      expect(idx.pick(1_000_000, 8)).toEqual({ name: names.find((n) => laneOf(n, 3) === 2 && !gone.has(n)) });
    });
  });
});

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters both ways', () => {
    const p = { baseMs: 1_000, maxMs: 10_000, jitter: 0.25 };
    expect(backoffDelay(1, p, () => 0.5)).toBe(1_000);
    expect(backoffDelay(3, p, () => 0.5)).toBe(4_000);
    expect(backoffDelay(10, p, () => 0.5)).toBe(10_000);
    expect(backoffDelay(10, p, () => 0.999)).toBeLessThanOrEqual(12_500);
    expect(backoffDelay(2, p, () => 0)).toBe(1_500);
  });
});
