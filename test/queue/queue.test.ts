import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FsQueue, LeaseLostError, QueueConfigError, QueueError, nodeQueueFs, type QueueFs } from '../../src/queue/index.js';
import { tempDir } from '../helpers.js';
import { ageClaims, ls } from './helpers.js';

const owner = { workerId: 'w1', nonce: 'n1' };

function fault(match: (op: string, p: string) => boolean, code: string): QueueFs {
  const boom = (op: string, p: string) => {
    if (match(op, p)) throw Object.assign(new Error(`${code}: injected on ${op} ${p}`), { code });
  };
  return {
    ...nodeQueueFs,
    renameSync: (a, b) => (boom('rename', `${a} -> ${b}`), nodeQueueFs.renameSync(a, b)),
    writeFileSync: (p, d, o) => (boom('write', p), nodeQueueFs.writeFileSync(p, d, o)),
    openSync: (p, f, m) => (boom('open', p), nodeQueueFs.openSync(p, f, m)),
    writeSync: (fd, d, pos) => (boom('writefd', String(fd)), nodeQueueFs.writeSync(fd, d, pos)),
    statSync: (p) => (boom('stat', p), nodeQueueFs.statSync(p)),
    fsync: (fd) => (boom('fsync', String(fd)), nodeQueueFs.fsync(fd)),
  };
}

let dir: string;
beforeEach(() => {
  dir = tempDir('edgar-q-');
});

describe('FsQueue protocol', () => {
  it('uses the documented defaults', async () => {
    const q = new FsQueue({ dir }).init();
    expect(q.durable).toBe(true);
    expect(q.defaultMaxAttempts).toBe(3);
    const rec = await q.enqueue({ id: 'a', type: 't', filing: 'x.txt' });
    expect(rec).toMatchObject({ id: 'a', type: 't', priority: 'normal', attempts: 0, maxAttempts: 3, filing: 'x.txt' });
    for (const d of ['pending', 'processing', 'completed', 'failed', 'tmp']) expect(fs.existsSync(path.join(dir, d))).toBe(true);
    expect(ls(dir, 'tmp')).toEqual([]);
  });

  it('enqueue -> claim -> complete keeps the job in exactly one state and records the result', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueueBatch([{ id: 'a', type: 't', batchId: 'b1' }, { id: 'b', type: 't', priority: 'high' }]);
    expect(q.counts()).toEqual({ pending: 2, processing: 0, completed: 0, failed: 0 });
    const c = q.claim(owner)!;
    expect(c.job.id).toBe('b'); // high priority first
    expect(c.attempt).toBe(1);
    expect(q.counts()).toMatchObject({ pending: 1, processing: 1 });
    const rec = q.complete(c, { nodes: 3 }, 'w1');
    expect(rec).toMatchObject({ id: 'b', attempts: 1, result: { nodes: 3 }, workerId: 'w1' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'completed', 'b.json'), 'utf8')).result).toEqual({ nodes: 3 });
    expect(q.counts()).toEqual({ pending: 1, processing: 0, completed: 1, failed: 0 });
    expect(ls(dir, 'tmp')).toEqual([]);
  });

  it('fails with retries through a later due time, then ends in failed/ with every error', async () => {
    let now = 1_000_000;
    const q = new FsQueue({ dir, now: () => now, random: () => 0.5, backoff: { baseMs: 1_000, maxMs: 60_000, jitter: 0.25 } }).init();
    await q.enqueue({ id: 'j', type: 't', maxAttempts: 3 });
    const c1 = q.claim(owner)!;
    expect(q.fail(c1, new Error('first'))).toMatchObject({ to: 'pending', retryAtMs: now + 1_000 });
    expect(q.claim(owner)).toBeNull(); // not due yet
    now += 1_000;
    const c2 = q.claim(owner)!;
    expect(c2.attempt).toBe(2);
    expect(q.fail(c2, new Error('second'))).toMatchObject({ to: 'pending', retryAtMs: now + 2_000 });
    now += 2_000;
    const c3 = q.claim(owner)!;
    const out = q.fail(c3, new Error('third'));
    expect(out.to).toBe('failed');
    const rec = q.readFinished('failed', 'j')!;
    expect(rec.error).toBe('third');
    expect(rec.attempts).toBe(3);
    expect(rec.errors!.map((e) => [e.attempt, e.message])).toEqual([[1, 'first'], [2, 'second'], [3, 'third']]);
  });

  it('a permanent failure skips the retries', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'p', type: 't', maxAttempts: 5 });
    expect(q.fail(q.claim(owner)!, new Error('bad input'), { permanent: true }).to).toBe('failed');
    expect(q.readFinished('failed', 'p')!.errors![0]).toMatchObject({ permanent: true, message: 'bad input' });
  });

  it('a heartbeat or completion after the claim was reaped reports the lost lease and publishes nothing', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'x', type: 't' });
    const c = q.claim(owner)!;
    ageClaims(dir, 120_000);
    expect(q.reap({ staleAfterMs: 60_000 }).map((e) => [e.id, e.to])).toEqual([['x', 'pending']]);
    expect(() => q.touch(c)).toThrow(LeaseLostError);
    expect(() => q.complete(c, { late: true })).toThrow(LeaseLostError);
    expect(() => q.fail(c, new Error('late'))).toThrow(LeaseLostError);
    expect(q.counts()).toEqual({ pending: 1, processing: 0, completed: 0, failed: 0 });
    expect(ls(dir, 'tmp')).toEqual([]);
    const back = q.readRecord('pending', ls(dir, 'pending')[0]!)!;
    expect(back.errors![0]).toMatchObject({ kind: 'lease-expired', attempt: 1, workerId: 'w1' });
  });

  it('reaps by the age of the heartbeat against the probe clock, not by how long ago it was enqueued', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'old', type: 't' });
    const p = path.join(dir, 'pending', ls(dir, 'pending')[0]!);
    const longAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(p, longAgo, longAgo); // enqueued an hour ago
    q.claim(owner);
    expect(q.reap({ staleAfterMs: 60_000 })).toEqual([]); // claimed just now: fresh
    ageClaims(dir, 59_000);
    expect(q.reap({ staleAfterMs: 60_000 })).toEqual([]);
    ageClaims(dir, 61_000);
    expect(q.reap({ staleAfterMs: 60_000, dryRun: true })).toHaveLength(1);
    expect(q.counts().processing).toBe(1); // dry run moved nothing
    expect(q.reap({ staleAfterMs: 60_000 })).toHaveLength(1);
    expect(q.counts()).toMatchObject({ processing: 0, pending: 1 });
  });

  it('a reaped claim whose attempts are spent goes to failed/', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'once', type: 't', maxAttempts: 1 });
    q.claim(owner);
    ageClaims(dir, 120_000);
    expect(q.reap({ staleAfterMs: 60_000 })[0]).toMatchObject({ id: 'once', to: 'failed', attempt: 1, maxAttempts: 1 });
    expect(q.readFinished('failed', 'once')!.error).toMatch(/stopped heartbeating/);
  });

  it('hands a claim back on shutdown without counting the attempt', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'h', type: 't' });
    const c = q.claim(owner)!;
    expect(q.release(c)).toBe(true);
    expect(ls(dir, 'pending')[0]).toMatch(/-h~0\.json$/);
    expect(q.claim(owner)!.attempt).toBe(1);
  });

  it('quarantines empty, truncated, non-JSON and shapeless job files, keeping their bytes', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'good', type: 't' });
    const bad: Record<string, Buffer> = {
      'empty': Buffer.alloc(0),
      'trunc': Buffer.from('{"id":"trunc","ty'),
      'garbage': Buffer.from([0xff, 0x00, 0xfe, 0x41]),
      'array': Buffer.from('[1,2]'),
      'noid': Buffer.from('{"type":"t"}'),
    };
    for (const [id, bytes] of Object.entries(bad)) fs.writeFileSync(path.join(dir, 'pending', `5-0000000000001-${id}~0.json`), bytes);
    fs.writeFileSync(path.join(dir, 'pending', 'stray-name.json'), '{"id":"s","type":"t"}');
    const claimed: string[] = [];
    for (let c = q.claim(owner); c; c = q.claim(owner)) claimed.push(c.job.id);
    expect(claimed).toEqual(['good']);
    const failed = ls(dir, 'failed').map((n) => q.readRecord('failed', n)!);
    expect(failed).toHaveLength(6);
    const byId = new Map(failed.map((f) => [f.id, f]));
    expect(byId.get('empty')!.error).toMatch(/empty file/);
    expect(byId.get('trunc')!.error).toMatch(/not valid JSON/);
    expect(byId.get('trunc')!.raw).toBe('{"id":"trunc","ty');
    expect(Buffer.from(byId.get('garbage')!.rawBase64 as string, 'base64')).toEqual(bad.garbage);
    expect(byId.get('array')!.error).toMatch(/not a JSON object/);
    expect(byId.get('noid')!.error).toMatch(/no "id"/);
    expect(byId.get('stray-name')!.error).toMatch(/naming scheme/);
    expect(q.counts()).toMatchObject({ pending: 0, processing: 1 });
    // A quarantined file is never retried as a job.
    const res = q.requeueFailed('all');
    expect(res.requeued).toEqual([]);
    expect(res.refused).toHaveLength(6);
  });

  it('retry moves failed jobs back with attempts reset, keeping their error history', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'r', type: 't', maxAttempts: 1 });
    q.fail(q.claim(owner)!, new Error('nope'));
    expect(q.requeueFailed(['r', 'missing'])).toEqual({ requeued: ['r'], missing: ['missing'], refused: [] });
    const c = q.claim(owner)!;
    expect(c.attempt).toBe(1);
    expect(c.job.error).toBeUndefined();
    expect(c.job.errors).toHaveLength(1);
    q.complete(c, {});
    expect(q.counts()).toEqual({ pending: 0, processing: 0, completed: 1, failed: 0 });
  });

  it('prunes finished records older than the limit, archiving them first', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueueBatch([{ id: 'old', type: 't' }, { id: 'new', type: 't' }]);
    for (let c = q.claim(owner); c; c = q.claim(owner)) q.complete(c, { id: c.job.id });
    const t = new Date(Date.now() - 10 * 86_400_000);
    fs.utimesSync(path.join(dir, 'completed', 'old.json'), t, t);
    const archived: unknown[] = [];
    expect(q.prune({ state: 'completed', olderThanMs: 7 * 86_400_000, archive: (r) => archived.push(r) })).toEqual({ removed: 1, archived: 1, kept: 1 });
    expect(archived).toMatchObject([{ id: 'old', result: { id: 'old' } }]);
    expect(ls(dir, 'completed')).toEqual(['new.json']);
  });

  it('knownIds sees every state', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueueBatch(['a', 'b', 'c'].map((id) => ({ id, type: 't' })));
    const c = q.claim(owner)!;
    q.complete(c, {});
    q.claim(owner);
    expect([...q.knownIds().values()].sort()).toEqual(['completed', 'pending', 'processing']);
  });
});

describe('FsQueue under injected faults', () => {
  it('refuses state folders on different filesystems (st_dev) with a clear message', () => {
    const fsx: QueueFs = {
      ...nodeQueueFs,
      statSync: (p) => {
        const st = nodeQueueFs.statSync(p);
        return p.endsWith('processing') ? Object.assign(Object.create(Object.getPrototypeOf(st)), st, { dev: st.dev + 1 }) : st;
      },
    };
    expect(() => new FsQueue({ dir, fs: fsx }).init()).toThrow(QueueConfigError);
    expect(() => new FsQueue({ dir, fs: fsx }).init()).toThrow(/different filesystems.*not atomic/);
  });

  it('ENOSPC during enqueue: a clear error, nothing half-queued, tmp/ clean', async () => {
    const q = new FsQueue({ dir, fs: fault((op) => op === 'writefd', 'ENOSPC') }).init();
    await expect(q.enqueueBatch([{ id: 'a', type: 't' }, { id: 'b', type: 't' }])).rejects.toThrow(/ENOSPC: no space left/);
    expect(q.counts().pending).toBe(0);
    expect(ls(dir, 'tmp')).toEqual([]);
  });

  it('EIO on fsync during durable enqueue: nothing queued, error says so', async () => {
    const q = new FsQueue({ dir, fs: fault((op) => op === 'fsync', 'EIO') }).init();
    await expect(q.enqueue({ id: 'a', type: 't' })).rejects.toThrow(/nothing was queued.*EIO/);
    expect(q.counts().pending).toBe(0);
  });

  it('a large batch (chunks in flight two at a time): a failure queues exactly the chunks before it, in order, and leaves tmp/ clean', async () => {
    const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `j${String(i).padStart(4, '0')}`, type: 't' }));
    // fsync of the 300th file fails: the chunk holding it (the second, 256-511) and the
    // third, already started, are dropped; the first is queued.
    let fsyncs = 0;
    const bad = { ...nodeQueueFs, fsync: (fd: number) => (++fsyncs === 300 ? Promise.reject(Object.assign(new Error('EIO: injected'), { code: 'EIO' })) : nodeQueueFs.fsync(fd)) };
    // Without a boot id there is no journal: every file is fsynced (see journal.test.ts).
    const q = new FsQueue({ dir, fs: bad, bootId: null }).init();
    await expect(q.enqueueBatch(batch(700), { durable: true })).rejects.toThrow(/after 256 job\(s\), nothing was queued from this chunk.*EIO/);
    expect(q.counts().pending).toBe(256);
    expect(ls(dir, 'pending').map((n) => n.split('-').pop()).sort()).toEqual(batch(256).map((j) => `${j.id}~0.json`));
    expect(ls(dir, 'tmp').filter((n) => !n.startsWith('.'))).toEqual([]);
    // A file that cannot be created in the third chunk: the first two are queued.
    const d2 = tempDir('edgar-q-');
    let opens = 0;
    const q2 = new FsQueue({ dir: d2, fs: { ...nodeQueueFs, openSync: (p, f, m) => (String(p).includes('/tmp/') && ++opens === 600 ? (() => { throw Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' }); })() : nodeQueueFs.openSync(p, f, m)) } }).init();
    await expect(q2.enqueueBatch(batch(700), { durable: true })).rejects.toThrow(/enqueue stopped after 512 job\(s\): .*ENOSPC/);
    expect(q2.counts().pending).toBe(512);
    expect(ls(d2, 'tmp').filter((n) => !n.startsWith('.'))).toEqual([]);
    const ok = await q2.enqueueBatch(batch(700).slice(512));
    expect(ok).toHaveLength(188);
  });

  it('EIO or ENOSPC while recording a failure: the job stays claimed (reapable), nothing lost', async () => {
    for (const code of ['EIO', 'ENOSPC']) {
      const d = tempDir('edgar-q-');
      let armed = false;
      const q = new FsQueue({ dir: d, fs: fault((op, p) => armed && op === 'write' && p.includes('/tmp/'), code) }).init();
      await q.enqueue({ id: 'a', type: 't' });
      const c = q.claim(owner)!;
      armed = true;
      expect(() => q.fail(c, new Error('x'))).toThrow(new RegExp(`job left where it was.*${code}`));
      expect(q.counts()).toMatchObject({ processing: 1, pending: 0, failed: 0 });
      expect(ls(d, 'tmp')).toEqual([]);
      armed = false;
      ageClaims(d, 120_000);
      expect(q.reap({ staleAfterMs: 60_000 })).toHaveLength(1);
      expect(q.counts()).toMatchObject({ pending: 1, processing: 0 });
    }
  });

  it('EIO while writing the result into the completed record: the job is complete, the error says the record is stale', async () => {
    let armed = false;
    const q = new FsQueue({ dir, fs: fault((op) => armed && op === 'writefd', 'EIO') }).init();
    await q.enqueue({ id: 'a', type: 't' });
    const c = q.claim(owner)!;
    armed = true;
    expect(() => q.complete(c, { n: 1 })).toThrow(/completed but its record could not be updated: EIO/);
    expect(c.fd).toBeNull(); // the descriptor was released all the same
    armed = false;
    expect(q.counts()).toEqual({ pending: 0, processing: 0, completed: 1, failed: 0 });
    expect(q.readFinished('completed', 'a')).toMatchObject({ id: 'a' });
  });

  it('a completed record shorter than the claimed file is padded, never left with the old tail', async () => {
    const q = new FsQueue({ dir }).init();
    await q.enqueue({ id: 'a', type: 't', maxAttempts: 1, padding: 'x'.repeat(5000) });
    q.fail(q.claim(owner)!, new Error('e'.repeat(3000)));
    q.requeueFailed(['a']);
    const c = q.claim(owner)!;
    q.complete(c, { ok: 1 });
    expect(q.readFinished('completed', 'a')).toMatchObject({ id: 'a', result: { ok: 1 } });
    expect(q.readFinished('completed', 'a')!.error).toBeUndefined();
  });

  it('EXDEV on the completing rename: an error naming the cause, the job still claimed', async () => {
    let armed = false;
    const q = new FsQueue({ dir, fs: fault((op, p) => armed && op === 'rename' && p.includes('/completed/') && p.includes('/processing/'), 'EXDEV') }).init();
    await q.enqueue({ id: 'a', type: 't' });
    const c = q.claim(owner)!;
    armed = true;
    const err = (() => {
      try {
        q.complete(c, {});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(QueueError);
    expect(String((err as Error).message)).toMatch(/EXDEV: the queue folders are on different filesystems/);
    expect(q.counts()).toMatchObject({ processing: 1, completed: 0 });
    expect(ls(dir, 'tmp')).toEqual([]);
  });

  it('a claim that loses the race (ENOENT) moves on to another candidate', async () => {
    let stolen = false;
    const fsx: QueueFs = {
      ...nodeQueueFs,
      renameSync: (a, b) => {
        if (!stolen && a.includes('/pending/') && a.endsWith('.json')) {
          stolen = true;
          nodeQueueFs.renameSync(a, path.join(dir, 'processing', '5-0000000000000-thief~1~other~x.json'));
        }
        nodeQueueFs.renameSync(a, b);
      },
    };
    const q = new FsQueue({ dir, fs: fsx }).init();
    await q.enqueueBatch([{ id: 'a', type: 't' }, { id: 'b', type: 't' }]);
    const c = q.claim(owner)!;
    expect(c).not.toBeNull();
    expect(q.counts()).toMatchObject({ pending: 0, processing: 2 });
  });
});

describe('lanes among workers', () => {
  it('every fresh worker record gets its own lane; a stale one and a lone worker get none', async () => {
    const { laneAmongWorkers, workerRecordPath } = await import('../../src/queue/worker-registry.js');
    const q = new FsQueue({ dir: tempDir() }).init();
    const files = ['b', 'a', 'c', 'dead'].map((id) => workerRecordPath(q, id, 'n'));
    expect(laneAmongWorkers(q, files[0]!, 60_000)).toBeNull(); // no record of its own yet
    fs.writeFileSync(files[0]!, '{}');
    expect(laneAmongWorkers(q, files[0]!, 60_000)).toBeNull(); // alone: no split
    for (const f of files.slice(1)) fs.writeFileSync(f, '{}');
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(files[3]!, old, old);
    fs.writeFileSync(`${files[2]!}.123.tmp`, '{}'); // a record being rewritten is not a worker
    const lanes = files.slice(0, 3).map((f) => laneAmongWorkers(q, f, 60_000));
    expect(lanes.map((l) => l?.count)).toEqual([3, 3, 3]);
    expect(lanes.map((l) => l!.index).sort()).toEqual([0, 1, 2]);
    expect(laneAmongWorkers(q, files[3]!, 60_000)).toBeNull();
    // A worker with a shorter lease still counts one whose own, longer lease keeps it alive.
    const slow = workerRecordPath(q, 'slow', 'n');
    fs.writeFileSync(slow, JSON.stringify({ staleAfterMs: 120_000 }));
    const ninetySecondsAgo = new Date(Date.now() - 90_000);
    fs.utimesSync(slow, ninetySecondsAgo, ninetySecondsAgo);
    expect(laneAmongWorkers(q, files[0]!, 60_000)?.count).toBe(4);
    // And one whose own lease is shorter is gone once past it, though ours is longer.
    const quick = workerRecordPath(q, 'quick', 'n');
    fs.writeFileSync(quick, JSON.stringify({ staleAfterMs: 10_000 }));
    const thirtySecondsAgo = new Date(Date.now() - 30_000);
    fs.utimesSync(quick, thirtySecondsAgo, thirtySecondsAgo);
    expect(laneAmongWorkers(q, files[0]!, 60_000)?.count).toBe(4);
  });
});
