import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FsQueue, QueueConfigError, Worker, nodeQueueFs, type QueueFs } from '../../src/queue/index.js';
import { sleep, tempDir } from '../helpers.js';
import { ageClaims, ls } from './helpers.js';

const owner = { workerId: 'w1', nonce: 'n1' };
let dir: string;
beforeEach(() => {
  dir = tempDir('edgar-rv-');
});

describe('queue edge cases found in review', () => {
  it('a high-priority job queued by another process goes before the backlog a worker already holds in view', async () => {
    let now = 1_000_000;
    const producer = new FsQueue({ dir, now: () => now, durable: false }).init();
    await producer.enqueueBatch(Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, type: 't' })));
    const worker = new FsQueue({ dir, now: () => now }).init();
    for (let i = 0; i < 5; i++) worker.claim(owner); // the view now holds 45 names
    await producer.enqueue({ id: 'urgent', type: 't', priority: 'high' });
    worker.markDirty(); // what the doorbell does
    now += 100; // relisting is paced by its own cost
    expect(worker.claim(owner)!.job.id).toBe('urgent');
  });

  it('a retry queued by another process is seen once the rescan period passes, backlog or not', async () => {
    let now = 1_000_000;
    const a = new FsQueue({ dir, now: () => now, durable: false, rescanMs: 2_000 }).init();
    await a.enqueueBatch(Array.from({ length: 20 }, (_, i) => ({ id: `n${i}`, type: 't' })));
    await a.enqueue({ id: 'hot', type: 't', priority: 'high' });
    const b = new FsQueue({ dir, now: () => now, rescanMs: 2_000 }).init();
    const hot = b.claim(owner)!;
    expect(hot.job.id).toBe('hot');
    a.claim(owner); // a's view is warm
    b.fail(hot, new Error('transient')); // back to pending with a backoff, queued by b
    now += 60_000; // due, and a's view is older than the rescan period
    expect(a.claim(owner)!.job.id).toBe('hot');
  });

  it('stop() resolves within the grace period even when a handler whose lease was lost ignores its abort', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'stuck', type: 't' });
    const worker = new Worker({ queue: new FsQueue({ dir }), handler: () => new Promise(() => {}), heartbeatMs: 30, staleAfterMs: 60_000, watch: false });
    void worker.run();
    for (let i = 0; i < 100 && ls(dir, 'processing').length === 0; i++) await sleep(10);
    ageClaims(dir, 10 * 60_000);
    expect(q.reap({ staleAfterMs: 60_000 })).toHaveLength(1); // taken over: the worker's lease is lost
    await sleep(150); // its heartbeat notices
    const t0 = Date.now();
    const summary = await Promise.race([worker.stop(200), sleep(20_000).then(() => 'hung' as const)]);
    expect(summary).not.toBe('hung');
    // The 200 ms grace, with room for a loaded machine; still well below the default 8 s grace.
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a burst worker whose listing of pending/ fails does not report the queue empty: it tries again and drains it', async () => {
    await new FsQueue({ dir, durable: false }).init().enqueueBatch(Array.from({ length: 5 }, (_, i) => ({ id: `e${i}`, type: 't' })));
    let listings = 0;
    const flaky: QueueFs = {
      ...nodeQueueFs,
      readdirSync: (p) => {
        if (p.endsWith(`${path.sep}pending`) && ++listings === 1) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
        return nodeQueueFs.readdirSync(p);
      },
    };
    const worker = new Worker({ queue: new FsQueue({ dir, fs: flaky }), handler: () => null, burst: true, watch: false, rescanMs: 100 });
    const summary = await worker.run();
    expect(listings).toBeGreaterThan(1); // the first failed; it listed again
    expect(summary.completed).toBe(5);
    expect(ls(dir, 'pending')).toEqual([]);
  });

  it('timers keep running while a worker drains jobs whose handler does no I/O (heartbeats are not starved)', async () => {
    const q = new FsQueue({ dir, durable: false }).init();
    await q.enqueueBatch(Array.from({ length: 3_000 }, (_, i) => ({ id: `f${i}`, type: 't' })));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    await new Worker({ queue: new FsQueue({ dir }), handler: () => null, burst: true, concurrency: 4, watch: false }).run();
    clearInterval(timer);
    const elapsed = Date.now() - started;
    expect(ls(dir, 'completed')).toHaveLength(3_000);
    if (elapsed > 100) expect(ticks).toBeGreaterThan(0);
  });

  it('an unreadable job with a long id is quarantined under a digest name, not left claimed forever', async () => {
    new FsQueue({ dir }).init();
    const id = 'x'.repeat(140);
    fs.writeFileSync(path.join(dir, 'pending', `5-0000000000001-${id}~0.json`), '{"id": "broken');
    const q = new FsQueue({ dir }).init();
    expect(q.claim(owner)).toBeNull();
    expect(ls(dir, 'processing')).toEqual([]);
    expect(ls(dir, 'pending')).toEqual([]);
    const failed = ls(dir, 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^id-[0-9a-f]{16}%7Ecorrupt%7E/);
    expect(q.readRecord('failed', failed[0]!)!.raw).toBe('{"id": "broken');
  });

  it('knownIds sees a job that moves back from processing/ to pending/ while the folders are being listed', async () => {
    let moved = false;
    const racing: QueueFs = {
      ...nodeQueueFs,
      readdirSync: (p) => {
        if (!moved && p.endsWith('processing')) {
          // A reaper or a hand-back moves the job back right after pending/ was listed.
          const name = nodeQueueFs.readdirSync(p).find((n) => n.endsWith('.json'));
          if (name) {
            nodeQueueFs.renameSync(path.join(p, name), path.join(dir, 'pending', '5-0000000000001-j~0.json'));
            moved = true;
          }
        }
        return nodeQueueFs.readdirSync(p);
      },
    };
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'j', type: 't' });
    q.claim(owner);
    const view = new FsQueue({ dir, fs: racing }).init();
    expect(view.knownIds().get('j')).toBe('pending');
  });

  it("claims and heartbeats are stamped on the filesystem's clock, so a worker whose own clock lags is not reaped", async () => {
    const lagging = new FsQueue({ dir, now: () => Date.now() - 5 * 60_000 }).init();
    await lagging.enqueue({ id: 'slow-clock', type: 't' });
    lagging.probeNow(); // what a worker does as it starts (its first reap)
    const c = lagging.claim(owner)!;
    lagging.touch(c);
    const reaper = new FsQueue({ dir }).init();
    expect(reaper.reap({ staleAfterMs: 60_000 })).toEqual([]);
    expect(ls(dir, 'processing')).toHaveLength(1);
  });

  it('refuses at start a layout where state folders cannot rename into each other (separate bind mounts)', () => {
    const bindMounts: QueueFs = {
      ...nodeQueueFs,
      renameSync: (a, b) => {
        if (b.includes(`${path.sep}processing${path.sep}`) && !a.includes(`${path.sep}processing${path.sep}`)) {
          throw Object.assign(new Error('EXDEV: cross-device link'), { code: 'EXDEV' });
        }
        nodeQueueFs.renameSync(a, b);
      },
    };
    expect(() => new FsQueue({ dir, fs: bindMounts }).init()).toThrow(QueueConfigError);
    expect(() => new FsQueue({ dir, fs: bindMounts }).init()).toThrow(/mount the whole queue folder as one volume/);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });
});
