import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FsQueue, QueueConfigError, Worker, nodeQueueFs, type QueueFs } from '../../src/queue/index.js';
import { journalRefusal, journalSettleMs, journalUsable } from '../../src/queue/journal.js';
import { ROOT, tempDir, waitExit } from '../helpers.js';
import { ageClaims, ls } from './helpers.js';

// The enqueue journal (src/queue/journal.ts). An OS crash cannot be staged here, so its
// effects are: a new boot id, and the job files that a lost page cache would take with it
// deleted or emptied by the test.

const owner = { workerId: 'w1', nonce: 'n1' };
const batch = (n: number, prefix = 'j') => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(4, '0')}`, type: 't' }));
const journals = (qdir: string) => fs.readdirSync(path.join(qdir, 'meta', 'journal')).filter((n) => !n.startsWith('.'));

/** Counts fsyncs and filesystem syncs; syncfs can be made to fail. */
function counting(opts: { syncfsFails?: boolean } = {}): QueueFs & { fsyncs: number; syncfsCalls: number } {
  const c = {
    ...nodeQueueFs,
    fsyncs: 0,
    syncfsCalls: 0,
    fsync(fd: number) {
      c.fsyncs++;
      return nodeQueueFs.fsync(fd);
    },
    syncfs(p: string) {
      c.syncfsCalls++;
      return opts.syncfsFails ? Promise.reject(new Error('sync -f failed: injected')) : nodeQueueFs.syncfs(p);
    },
  };
  return c;
}

/** Every job id found in a state folder, with how many files stand for it. */
function idsEverywhere(qdir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of ['pending', 'processing', 'completed', 'failed']) {
    for (const n of ls(qdir, s)) {
      const id = s === 'pending' || s === 'processing' ? (n.split('-')[2] ?? '').split('~')[0]! : decodeURIComponent(n.slice(0, -5)).split('~')[0]!;
      out.set(id, (out.get(id) ?? 0) + 1);
    }
  }
  return out;
}

let dir: string;
beforeEach(() => {
  dir = tempDir('edgar-journal-');
});

describe('enqueue journal', () => {
  it('a durable batch pays a few journal fsyncs, not one per job, and leaves one published journal naming every job', async () => {
    const viaJournal = counting();
    const q = new FsQueue({ dir, fs: viaJournal, bootId: 'boot-a', journal: true }).init();
    const recs = await q.enqueueBatch(batch(700));
    expect(recs).toHaveLength(700);
    // 3 chunks: one fsync each, and the folder's once for the journal's own name.
    expect(viaJournal.fsyncs).toBe(4);
    const [j, ...more] = journals(dir);
    expect(more).toEqual([]);
    expect(j).toMatch(/^boot-a~\d+~[0-9a-f]{8}\.pub$/);
    const lines = fs.readFileSync(path.join(dir, 'meta', 'journal', j!), 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split('\t')[0]).sort()).toEqual(ls(dir, 'pending').sort());
    for (const l of lines) {
      const [name, json] = l.split('\t');
      expect(fs.readFileSync(path.join(dir, 'pending', name!), 'utf8')).toBe(json);
    }
    // The same batch without a boot id: every file and the folder per chunk.
    const perFile = counting();
    await new FsQueue({ dir: tempDir('edgar-journal-'), fs: perFile, bootId: null }).init().enqueueBatch(batch(700));
    expect(perFile.fsyncs).toBe(703);
    // A handful of jobs: fsyncing them costs less than a journal.
    const few = counting();
    await new FsQueue({ dir: tempDir('edgar-journal-'), fs: few, bootId: 'boot-a', journal: true }).init().enqueueBatch(batch(3));
    expect(few.fsyncs).toBe(4);
  });

  it('a failed journal fsync queues exactly the chunks before it, and the journal still names them', async () => {
    let fsyncs = 0;
    // Chunk 1: the journal's fsync (1) and its folder's (2); chunk 2's journal fsync (3) fails.
    const bad = { ...nodeQueueFs, fsync: (fd: number) => (++fsyncs === 3 ? Promise.reject(Object.assign(new Error('EIO: injected'), { code: 'EIO' })) : nodeQueueFs.fsync(fd)) };
    const q = new FsQueue({ dir, fs: bad, bootId: 'boot-a', journal: true }).init();
    await expect(q.enqueueBatch(batch(700))).rejects.toThrow(/after 256 job\(s\), nothing was queued from this chunk.*EIO/);
    expect(ls(dir, 'pending')).toHaveLength(256);
    expect(ls(dir, 'tmp')).toEqual([]);
    const [j] = journals(dir);
    expect(j).toMatch(/\.pub$/);
    // The failed chunk and the one started after it are cut from the journal: a replay
    // after a crash must not queue what this enqueue said it did not.
    expect(fs.readFileSync(path.join(dir, 'meta', 'journal', j!), 'utf8').trim().split('\n')).toHaveLength(256);
    // An enqueue that queued nothing leaves no journal behind.
    const d2 = tempDir('edgar-journal-');
    const q2 = new FsQueue({ dir: d2, fs: { ...nodeQueueFs, fsync: () => Promise.reject(Object.assign(new Error('EIO: injected'), { code: 'EIO' })) }, bootId: 'boot-a', journal: true }).init();
    await expect(q2.enqueueBatch(batch(20))).rejects.toThrow(/EIO/);
    expect(journals(d2)).toEqual([]);
    expect(ls(d2, 'pending')).toEqual([]);
  });

  it('retiring: one filesystem sync, then this boot’s published journals go; an open one only once an hour old; other boots’ stay', async () => {
    const fsc = counting();
    const q = new FsQueue({ dir, fs: fsc, bootId: 'boot-a', journal: true }).init();
    await q.enqueueBatch(batch(20));
    const jdir = path.join(dir, 'meta', 'journal');
    fs.writeFileSync(path.join(jdir, 'boot-a~1~aaaaaaaa.log'), 'x\tx\n'); // a writer mid-batch
    fs.writeFileSync(path.join(jdir, 'boot-a~2~bbbbbbbb.log'), 'x\tx\n'); // one dead for 2 hours
    const old = new Date(Date.now() - 2 * 3_600_000);
    fs.utimesSync(path.join(jdir, 'boot-a~2~bbbbbbbb.log'), old, old);
    fs.writeFileSync(path.join(jdir, 'boot-z~3~cccccccc.pub'), ''); // replayed by init, not retired
    expect(q.journalsWaiting()).toBe(3);
    expect(await q.retireJournals()).toBe(2);
    expect(fsc.syncfsCalls).toBe(1);
    expect(journals(dir).sort()).toEqual(['boot-a~1~aaaaaaaa.log', 'boot-z~3~cccccccc.pub']);
    // Nothing ready: no sync at all.
    expect(await q.retireJournals()).toBe(0);
    expect(fsc.syncfsCalls).toBe(1);
    // A failed sync keeps the journals.
    const failing = new FsQueue({ dir: tempDir('edgar-journal-'), fs: counting({ syncfsFails: true }), bootId: 'boot-a', journal: true }).init();
    await failing.enqueueBatch(batch(20));
    await expect(failing.retireJournals()).rejects.toThrow(/sync -f failed/);
    expect(failing.journalsWaiting()).toBe(1);
  });

  it('a worker that starts on a batch just enqueued leaves its journal until the kernel has had time to write the batch back', async () => {
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true }).init();
    await q.enqueueBatch(batch(30));
    const fsc = counting();
    const settleMs = 60_000;
    const drain = () =>
      new Worker({ queue: new FsQueue({ dir, fs: fsc, bootId: 'boot-a', journal: true }), handler: () => null, burst: true, reapEveryMs: 100, watch: false, journalSettleMs: settleMs }).run();
    expect((await drain()).completed).toBe(30);
    expect(fsc.syncfsCalls).toBe(0);
    expect(journals(dir)).toHaveLength(1);
    // Once older than the settle age, the next reap syncs and retires it.
    const [j] = journals(dir);
    const old = new Date(Date.now() - settleMs - 5_000);
    fs.utimesSync(path.join(dir, 'meta', 'journal', j!), old, old);
    await q.enqueueBatch(batch(3, 'late'));
    expect((await drain()).completed).toBe(3);
    expect(fsc.syncfsCalls).toBe(1);
    expect(journals(dir)).toEqual([]);
  });

  it('a burst worker retires, as it ends, the journal of a batch that settled while it ran', async () => {
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true }).init();
    await q.enqueueBatch(batch(10));
    const fsc = counting();
    const settleMs = 60_000;
    // The batch settles while the worker runs: its first job ages the journal, after the
    // reap the worker ran as it started (the batch young then) has looked.
    const handler = async (job: { id: string }) => {
      if (job.id !== 'j0000') return null;
      await new Promise((r) => setImmediate(r));
      const old = new Date(Date.now() - settleMs - 5_000);
      fs.utimesSync(path.join(dir, 'meta', 'journal', journals(dir)[0]!), old, old);
      return null;
    };
    // No reap after the first one, until it ends.
    const worker = new Worker({ queue: new FsQueue({ dir, fs: fsc, bootId: 'boot-a', journal: true }), handler, burst: true, reapEveryMs: 3_600_000, watch: false, journalSettleMs: settleMs });
    expect((await worker.run()).completed).toBe(10);
    expect(fsc.syncfsCalls).toBe(1);
    expect(journals(dir)).toEqual([]);
  });

  it('the settle age follows the kernel’s writeback settings, within bounds', () => {
    const proc = (expire: string, every: string) => (f: string) => (f.endsWith('dirty_expire_centisecs') ? expire : every);
    expect(journalSettleMs(proc('3000\n', '500\n'))).toBe(35_000);
    expect(journalSettleMs(proc('1000', '100'))).toBe(11_000);
    expect(journalSettleMs(proc('999999', '500'))).toBe(600_000);
    expect(journalSettleMs(proc('junk', '-4'))).toBe(35_000);
    expect(journalSettleMs(() => {
      throw new Error('ENOENT');
    })).toBe(35_000);
  });

  it('a retire of every journal (prune) is not answered by a worker’s retire of the settled ones still running', async () => {
    const fsc = counting();
    const q = new FsQueue({ dir, fs: fsc, bootId: 'boot-a', journal: true }).init();
    await q.enqueueBatch(batch(20));
    const settled = q.retireJournals({ olderThanMs: 3_600_000 });
    const all = q.retireJournals({ wait: true });
    expect(all).not.toBe(settled);
    expect(await settled).toBe(0);
    // The settled-only call is over, the all-journals one still runs: a third call, settled
    // only, joins the one still running.
    expect(q.retireJournals({ olderThanMs: 3_600_000 })).toBe(all);
    expect(await all).toBe(1);
    expect(journals(dir)).toEqual([]);
    expect(fsc.syncfsCalls).toBe(1);
    // One that waits for the lock is not answered by one that would not have waited.
    await q.enqueueBatch(batch(20, 'k'));
    const quick = q.retireJournals();
    const waiting = q.retireJournals({ wait: true });
    expect(waiting).not.toBe(quick);
    expect(q.retireJournals()).toBe(waiting);
    expect(await quick).toBe(1);
    expect(await waiting).toBe(0);
    expect(fsc.syncfsCalls).toBe(2);
    // Nothing ready: no sync, and the lock is neither taken nor waited for (another
    // process holds it here; waiting would take minutes).
    await q.enqueueBatch(batch(20, 'm'));
    fs.mkdirSync(path.join(dir, 'meta', 'journal.retire.lock'));
    expect(await q.retireJournals({ wait: true, olderThanMs: 3_600_000 })).toBe(0);
    expect(fsc.syncfsCalls).toBe(2);
  });

  it('a journal whose mtime is ahead of the clock (a clock stepped back) is retired by prune’s retire, not by a worker’s', async () => {
    const fsc = counting();
    const q = new FsQueue({ dir, fs: fsc, bootId: 'boot-a', journal: true }).init();
    await q.enqueueBatch(batch(20));
    const ahead = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'meta', 'journal', journals(dir)[0]!), ahead, ahead);
    expect(await q.retireJournals({ olderThanMs: 1_000 })).toBe(0);
    expect(await q.retireJournals({ wait: true })).toBe(1);
    expect(journals(dir)).toEqual([]);
  });

  it('a running worker retires the journals with a real `sync -f`', async () => {
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true }).init();
    await q.enqueueBatch(batch(30));
    expect(journals(dir)).toHaveLength(1);
    const settled = new Date(Date.now() - journalSettleMs() - 5_000);
    fs.utimesSync(path.join(dir, 'meta', 'journal', journals(dir)[0]!), settled, settled);
    const worker = new Worker({ queue: new FsQueue({ dir, bootId: 'boot-a', journal: true }), handler: () => null, burst: true, reapEveryMs: 100, watch: false });
    const summary = await worker.run();
    expect(summary.completed).toBe(30);
    // The worker's own reap started the retire (a child `sync -f`): wait for it, no more.
    // (A sync flushes all the filesystem's dirty data: on a busy CI disk, seconds.)
    for (let i = 0; i < 800 && journals(dir).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(journals(dir)).toEqual([]);
  });

  it('a writer whose journal was swept while it stood stopped syncs the filesystem before it returns', async () => {
    const fsc = counting();
    const sweeping: QueueFs = {
      ...fsc,
      renameSync(from, to) {
        if (from.endsWith('.log')) fs.unlinkSync(from); // swept by a worker an hour later
        nodeQueueFs.renameSync(from, to);
      },
    };
    const q = new FsQueue({ dir, fs: sweeping, bootId: 'boot-a', journal: true }).init();
    await expect(q.enqueueBatch(batch(20))).resolves.toHaveLength(20);
    expect(fsc.syncfsCalls).toBe(1);
    expect(journals(dir)).toEqual([]);
  });

  it('after a reboot, init writes again the jobs the crash lost, repairs torn files, leaves the rest, and runs once', async () => {
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true, backoff: { baseMs: 600_000, maxMs: 600_000, jitter: 0 } }).init();
    await q.enqueueBatch(batch(40));
    // Work done before the crash: 3 completed, 1 failed for good, 1 retried under a new
    // name, 2 claimed by a worker that died with the machine.
    for (let i = 0; i < 3; i++) q.complete(q.claim(owner)!, { ok: i });
    q.fail(q.claim(owner)!, new Error('bad filing'), { permanent: true });
    q.fail(q.claim(owner)!, new Error('flaky'));
    const dead = [q.claim(owner)!, q.claim(owner)!];
    const doneIds = ls(dir, 'completed').map((n) => n.slice(0, -5));
    // What the lost page cache takes: 5 pending files gone, 3 emptied, one claim torn.
    const pending = ls(dir, 'pending').filter((n) => n.endsWith('~0.json')).sort();
    const lost = pending.slice(0, 5);
    const torn = pending.slice(5, 8);
    for (const n of lost) fs.unlinkSync(path.join(dir, 'pending', n));
    for (const n of torn) fs.writeFileSync(path.join(dir, 'pending', n), '');
    fs.writeFileSync(path.join(dir, 'processing', dead[0]!.name), '{"id":"j00');
    for (const c of dead) if (c.fd !== null) fs.closeSync(c.fd);
    // A torn last line, from a chunk whose fsync never returned, is ignored.
    const [j] = journals(dir);
    fs.appendFileSync(path.join(dir, 'meta', 'journal', j!), '5-0000000000000-zz~0.json\t{"id":"zz"');

    const after = new FsQueue({ dir, bootId: 'boot-b', journal: true }).init();
    const idOf = (n: string) => (n.split('-')[2] ?? '').split('~')[0];
    expect(after.replayed).toEqual({ journals: 1, recreated: lost.map(idOf), repaired: expect.arrayContaining([...torn.map(idOf), dead[0]!.job.id]) });
    expect(after.replayed!.repaired).toHaveLength(4);
    expect(journals(dir)).toEqual([]);
    // Every job stands exactly once, where it was; nothing finished came back.
    const ids = idsEverywhere(dir);
    expect([...ids.keys()].sort()).toEqual(batch(40).map((b) => b.id));
    expect([...ids.values()].every((n) => n === 1)).toBe(true);
    expect(ls(dir, 'completed').map((n) => n.slice(0, -5)).sort()).toEqual(doneIds.sort());
    for (const n of torn) expect(JSON.parse(fs.readFileSync(path.join(dir, 'pending', n), 'utf8')).id).toBe(idOf(n));
    expect(new FsQueue({ dir, bootId: 'boot-b', journal: true }).init().replayed).toBeNull();
    // And the batch drains: the rest at once; the dead claims, once reaped, and the retry
    // wait for their backoff.
    ageClaims(dir, 3_600_000);
    expect(after.reap({ staleAfterMs: 60_000 })).toHaveLength(2);
    for (let c = after.claim(owner); c; c = after.claim(owner)) after.complete(c, null);
    expect(ls(dir, 'completed')).toHaveLength(36);
    expect(ls(dir, 'failed')).toHaveLength(1);
    expect(ls(dir, 'pending')).toEqual([expect.stringMatching(/~1\.json$/), expect.stringMatching(/~1\.json$/), expect.stringMatching(/~1\.json$/)]);
  });

  it('4 processes starting together after a reboot replay once: every lost job back exactly once', async () => {
    await new FsQueue({ dir, bootId: 'boot-a', journal: true }).init().enqueueBatch(batch(600));
    const lost = ls(dir, 'pending').filter((_, i) => i % 3 === 0);
    for (const n of lost) fs.unlinkSync(path.join(dir, 'pending', n));
    const startAt = String(Date.now() + 400);
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'journal-init.mjs')], { env: { ...process.env, QDIR: dir, BOOT_ID: 'boot-b', START_AT: startAt }, stdio: ['ignore', 'pipe', 'pipe'] });
        return waitExit(child);
      }),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const results = runs.map((r) => JSON.parse(r.stdout.trim()) as { recreated: string[] } | null);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(results.find((r) => r !== null)!.recreated).toHaveLength(lost.length);
    expect(ls(dir, 'pending')).toHaveLength(600);
    expect([...idsEverywhere(dir).values()].every((n) => n === 1)).toBe(true);
    expect(journals(dir)).toEqual([]);
  });

  it('an enqueuer killed with SIGKILL mid-batch, then a reboot: no job twice, every journaled job present', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'journal-enqueue.mjs')], { env: { ...process.env, QDIR: dir, BOOT_ID: 'boot-a', COUNT: '50000' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = waitExit(child);
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => String(d).includes('started') && resolve()));
    child.kill('SIGKILL');
    const r = await exited;
    expect(r.signal).toBe('SIGKILL');
    const queuedBefore = ls(dir, 'pending').length;
    expect(queuedBefore).toBeLessThan(50_000);
    const [j, ...more] = journals(dir);
    expect(more).toEqual([]);
    expect(j).toMatch(/\.log$/); // never published: its batch did not return
    const journaled = fs.readFileSync(path.join(dir, 'meta', 'journal', j!), 'utf8').split('\n').slice(0, -1).length;
    const after = new FsQueue({ dir, bootId: 'boot-b', journal: true }).init();
    const ids = idsEverywhere(dir);
    expect(ids.size).toBe(Math.max(queuedBefore, journaled));
    expect([...ids.values()].every((n) => n === 1)).toBe(true);
    expect(after.replayed!.recreated).toHaveLength(ids.size - queuedBefore);
  });

  it('is used only on a local filesystem, with a boot id, on Linux 5.8 or later', () => {
    const ext4 = 0xef53;
    expect(journalUsable('b', ext4, '6.18.44-fc-v657')).toBe(true);
    expect(journalUsable('b', 0x58465342, '5.8.0')).toBe(true); // xfs
    expect(journalUsable(null, ext4, '6.1.0')).toBe(false); // no boot id: not Linux
    expect(journalUsable('b', ext4, '5.4.0-150-generic')).toBe(false); // syncfs hid writeback errors
    // Folders two live kernels can share (so a foreign boot id is no crash): NFS, FUSE
    // (virtiofs, Docker Desktop, sshfs), 9p, SMB.
    for (const t of [0x6969, 0x65735546, 0x01021997, 0xfe534d42]) expect(journalUsable('b', t, '6.1.0')).toBe(false);
    expect(journalUsable('b', null, '6.1.0')).toBe(false);
    expect(journalRefusal('b', 0x6969, '6.1.0')).toMatch(/not on a local filesystem \(statfs type 0x6969\)/);
    expect(journalRefusal('b', ext4, '5.4.0')).toMatch(/older than 5\.8/);
    expect(journalRefusal('b', ext4, '6.1.0')).toBeNull();
    expect(new FsQueue({ dir, bootId: null, journal: true }).init().journaling).toBe(false);
    expect(new FsQueue({ dir, bootId: 'boot-a', journal: false }).init().journaling).toBe(false);
  });

  it('after a reboot: a retried job whose new file was torn, and a torn finished record, are rebuilt from the journal; a quarantined job is not queued again', async () => {
    // claimSpread 1: claims go in name order, so the test knows which job each one takes.
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true, claimSpread: 1, backoff: { baseMs: 600_000, maxMs: 600_000, jitter: 0 } }).init();
    await q.enqueueBatch(batch(10));
    // j0000 failed once (retried under a new name), j0001 completed, j0002 was unreadable
    // and quarantined into failed/.
    const names = ls(dir, 'pending').sort();
    fs.writeFileSync(path.join(dir, 'pending', names[2]!), '{not json');
    q.fail(q.claim(owner)!, new Error('flaky'));
    q.complete(q.claim(owner)!, { ok: true });
    expect(q.claim(owner)).not.toBeNull(); // j0003: the claim met j0002 first and quarantined it
    expect(ls(dir, 'failed')).toEqual([expect.stringMatching(/^j0002%7Ecorrupt%7E/)]);
    const retried = ls(dir, 'pending').find((n) => n.endsWith('~1.json'))!;
    fs.writeFileSync(path.join(dir, 'pending', retried), ''); // what the crash left of them
    fs.writeFileSync(path.join(dir, 'completed', 'j0001.json'), '');
    const after = new FsQueue({ dir, bootId: 'boot-b', journal: true }).init();
    expect(after.replayed).toEqual({ journals: 1, recreated: [], repaired: expect.arrayContaining(['j0000', 'j0001']) });
    expect(after.replayed!.repaired).toHaveLength(2);
    // The retried job keeps its name (attempts are in it) and gets its bytes back.
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'pending', retried), 'utf8')).id).toBe('j0000');
    // The torn completed record lost its result: the job is queued to run again.
    expect(ls(dir, 'completed')).toEqual([]);
    expect(ls(dir, 'pending').filter((n) => n.includes('-j0001~'))).toHaveLength(1);
    expect([...idsEverywhere(dir).values()].every((n) => n === 1)).toBe(true);
  });

  it('replays the newest journal first: a job queued twice (a forced re-run) comes back with its latest bytes', () => {
    const jdir = path.join(dir, 'meta', 'journal');
    fs.mkdirSync(jdir, { recursive: true });
    const line = (v: number) => `5-0000000000001-x~0.json\t${JSON.stringify({ id: 'x', type: 't', v })}\n`;
    fs.writeFileSync(path.join(jdir, 'boot-a~1~00000001.pub'), line(1));
    fs.writeFileSync(path.join(jdir, 'boot-a~2~00000002.pub'), line(2));
    const older = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(jdir, 'boot-a~2~00000002.pub'), older, older);
    const q = new FsQueue({ dir, bootId: 'boot-b', journal: true }).init();
    expect(q.replayed!.recreated).toEqual(['x']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'pending', '5-0000000000001-x~0.json'), 'utf8')).v).toBe(1);
  });

  it('a long replay keeps its lock fresh, and one that lost its lock stops without releasing it', () => {
    const setup = async () => {
      const d = tempDir('edgar-journal-');
      await new FsQueue({ dir: d, bootId: 'boot-a', journal: true }).init().enqueueBatch(batch(60));
      for (const n of ls(d, 'pending')) fs.unlinkSync(path.join(d, 'pending', n));
      return d;
    };
    const slowFs = (onSync: () => void): QueueFs & { lockTouches: number } => {
      const f = {
        ...nodeQueueFs,
        lockTouches: 0,
        renameSync(from: string, to: string) {
          if (from.endsWith('.tmp')) {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40); // a slow disk: 60 x 40 ms
            onSync();
          }
          nodeQueueFs.renameSync(from, to);
        },
        utimesSync(p: string, a: number | Date, m: number | Date) {
          if (p.endsWith('journal.lock')) f.lockTouches++;
          nodeQueueFs.utimesSync(p, a, m);
        },
      };
      return f;
    };
    return (async () => {
      const d1 = await setup();
      const fresh = slowFs(() => undefined);
      const q = new FsQueue({ dir: d1, fs: fresh, bootId: 'boot-b', journal: true }).init();
      expect(q.replayed!.recreated).toHaveLength(60);
      expect(fresh.lockTouches).toBeGreaterThanOrEqual(2); // 2.4 s of replay, refreshed each second
      expect(fs.existsSync(path.join(d1, 'meta', 'journal.lock'))).toBe(false); // released
      const d2 = await setup();
      let syncs = 0;
      const l2 = path.join(d2, 'meta', 'journal.lock');
      // Another process takes the lock as stale halfway: its token replaces ours.
      const stolen = slowFs(() => {
        if (++syncs === 30) fs.writeFileSync(path.join(l2, 'owner'), 'taker');
      });
      let thrown: unknown = null;
      try {
        new FsQueue({ dir: d2, fs: stolen, bootId: 'boot-b', journal: true }).init();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(QueueConfigError);
      expect(String(thrown)).toMatch(/lost the lock .*journal\.lock while replaying/);
      expect(fs.readFileSync(path.join(l2, 'owner'), 'utf8')).toBe('taker'); // not released: the taker's now
      expect(journals(d2)).toHaveLength(1); // and the journal is left for the taker
    })();
  }, 30_000);

  it('a failed chunk whose lines cannot be cut from the journal: the filesystem is synced and the journal removed, the first error kept', async () => {
    let big = 0;
    let continuing = false;
    const fsc = counting();
    const failing: QueueFs = {
      ...fsc,
      writeSync(fd, data, pos) {
        if (continuing) throw Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' });
        if (data.length > 5_000 && ++big === 2) {
          continuing = true; // the journal's second chunk: part of it written, then no space
          return nodeQueueFs.writeSync(fd, data.subarray(0, 3_000), pos);
        }
        return nodeQueueFs.writeSync(fd, data, pos);
      },
      ftruncateSync() {
        throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
      },
    };
    const q = new FsQueue({ dir, fs: failing, bootId: 'boot-a', journal: true }).init();
    await expect(q.enqueueBatch(batch(700))).rejects.toThrow(/enqueue stopped after 256 job\(s\):.*ENOSPC/);
    expect(ls(dir, 'pending')).toHaveLength(256);
    expect(fsc.syncfsCalls).toBe(1);
    expect(journals(dir)).toEqual([]);
  });

  it('prune keeps the records of jobs a journal of this boot still names', async () => {
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true }).init();
    await q.enqueueBatch(batch(10));
    for (let i = 0; i < 3; i++) q.complete(q.claim(owner)!, null);
    expect(q.prune({ state: 'completed', olderThanMs: 0 })).toEqual({ removed: 0, archived: 0, kept: 3 });
    expect(await q.retireJournals({ wait: true })).toBe(1);
    expect(q.prune({ state: 'completed', olderThanMs: 0 })).toEqual({ removed: 3, archived: 0, kept: 0 });
  });

  it('a quarantined job filed under a digest of its long id is not queued again after a reboot', async () => {
    const long = `L${'x'.repeat(139)}`;
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true, claimSpread: 1 }).init();
    await q.enqueueBatch([{ id: long, type: 't' }, ...batch(8)]);
    const name = ls(dir, 'pending').find((n) => n.includes(long))!;
    fs.writeFileSync(path.join(dir, 'pending', name), 'garbage');
    for (let c = q.claim(owner); c; c = q.claim(owner)) q.complete(c, null);
    expect(ls(dir, 'failed')).toEqual([expect.stringMatching(/^id-[0-9a-f]{16}%7Ecorrupt%7E/)]);
    const after = new FsQueue({ dir, bootId: 'boot-b', journal: true }).init();
    expect(after.replayed).toEqual({ journals: 1, recreated: [], repaired: [] });
    expect(ls(dir, 'pending')).toEqual([]);
  });
});
