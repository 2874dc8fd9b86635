import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { RenameThread, renameOffThread } from '../../src/queue/batch-rename.js';
import { FsQueue, nodeQueueFs } from '../../src/queue/index.js';
import { pendingName } from '../../src/queue/names.js';
import { ROOT, tempDir, waitExit } from '../helpers.js';
import { ls } from './helpers.js';

// A large batch's files are renamed into pending/ by a thread of their own while the
// next chunk is written (src/queue/batch-rename.ts). These tests use the real filesystem:
// an injected fs keeps every rename in the enqueuing thread.

const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `j${String(i).padStart(5, '0')}`, type: 't', payload: { i } }));

let dir: string;
beforeEach(() => {
  dir = tempDir('edgar-rename-');
});

describe('renaming thread', () => {
  it('renames in order and stops at the first failure, saying how many it did and why', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    for (let i = 0; i < 6; i++) if (i !== 3) fs.writeFileSync(path.join(a, `f${i}`), `${i}`);
    const pairs = Array.from({ length: 6 }, (_, i) => [path.join(a, `f${i}`), path.join(b, `f${i}`)]).flat();
    const out = await renameOffThread()(pairs);
    expect(out.done).toBe(3);
    expect(out.error).toMatchObject({ code: 'ENOENT', syscall: 'rename' });
    expect(fs.readdirSync(b).sort()).toEqual(['f0', 'f1', 'f2']);
    expect(fs.readdirSync(a).sort()).toEqual(['f4', 'f5']);
  });

  it('a thread that dies (mid-chunk, after the last rename, at start-up) or cannot be made: the chunk still lands whole, the rest renamed here', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    const pairs = (tag: string) =>
      Array.from({ length: 4 }, (_, i) => {
        fs.writeFileSync(path.join(a, `${tag}${i}`), `${i}`);
        return [path.join(a, `${tag}${i}`), path.join(b, `${tag}${i}`)];
      }).flat();
    // A thread that renames the first `n` pairs it is sent, then exits without replying.
    const dyingAfter = (n: number) => () =>
      new Worker(
        `const { renameSync } = require('node:fs');
         require('node:worker_threads').parentPort.on('message', ({ pairs }) => {
           for (let i = 0; i < ${n}; i++) renameSync(pairs[2 * i], pairs[2 * i + 1]);
           process.exit(3);
         });`,
        { eval: true, execArgv: [] },
      );
    const failingAtStart = () => new Worker(`throw new Error('init failed: injected');`, { eval: true, execArgv: [] });
    const cannotBeMade = () => {
      throw new Error('ERR_WORKER_INIT_FAILED: injected');
    };
    const cases: [string, () => Worker][] = [
      ['mid', dyingAfter(2)],
      ['all', dyingAfter(4)],
      ['start', failingAtStart],
      ['none', cannotBeMade],
    ];
    for (const [tag, start] of cases) {
      const out = await new RenameThread(nodeQueueFs, start).rename(pairs(tag));
      expect({ tag, ...out }).toEqual({ tag, done: 4, error: null });
      expect(fs.readdirSync(b).filter((n) => n.startsWith(tag)).sort()).toEqual([0, 1, 2, 3].map((i) => `${tag}${i}`));
    }
    expect(fs.readdirSync(a)).toEqual([]);
  });

  it('a large durable batch lands whole and in order; no file is left in tmp/', async () => {
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true }).init();
    const recs = await q.enqueueBatch(batch(1_300));
    expect(recs.map((r) => r.id)).toEqual(batch(1_300).map((j) => j.id));
    const pending = ls(dir, 'pending');
    expect(pending).toHaveLength(1_300);
    expect(new Set(pending.map((n) => n.split('-')[2]!.split('~')[0])).size).toBe(1_300);
    // Every other chunk went through tmp/alt/, which is what lets the two stages overlap.
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual(['alt']);
    expect(fs.readdirSync(path.join(dir, 'tmp', 'alt'))).toEqual([]);
    expect(q.counts().pending).toBe(1_300);
    // The claims see them all (the in-memory view was fed as the chunks landed).
    const owner = { workerId: 'w', nonce: 'n' };
    let claimed = 0;
    for (let c = q.claim(owner); c; c = q.claim(owner)) {
      q.complete(c, null);
      claimed++;
    }
    expect(claimed).toBe(1_300);
  });

  it('a rename failing in the thread mid-batch: exactly the jobs before it are queued, the rest cleaned up, the journal cut to match', async () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    const q = new FsQueue({ dir, bootId: 'boot-a', journal: true, now: () => at }).init();
    // A folder squatting on job 300's pending name: rename(file, folder) fails with EISDIR.
    const squat = pendingName({ priority: 'normal', dueMs: at, id: 'j00300', attempts: 0 });
    fs.mkdirSync(path.join(dir, 'pending', squat));
    await expect(q.enqueueBatch(batch(900))).rejects.toThrow(/enqueue failed after 300 job\(s\): rename .* EISDIR/);
    const queued = ls(dir, 'pending').filter((n) => n !== squat);
    expect(queued).toHaveLength(300);
    expect(queued.map((n) => n.split('-')[2]!.split('~')[0]).sort()).toEqual(batch(300).map((j) => j.id));
    expect(fs.readdirSync(path.join(dir, 'tmp')).filter((n) => n !== 'alt')).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'tmp', 'alt'))).toEqual([]);
    const [journal, ...more] = fs.readdirSync(path.join(dir, 'meta', 'journal')).filter((n) => !n.startsWith('.'));
    expect(more).toEqual([]);
    const lines = fs.readFileSync(path.join(dir, 'meta', 'journal', journal!), 'utf8').split('\n').slice(0, -1);
    expect(lines).toHaveLength(300);
    // After a reboot the replay brings back nothing the enqueue did not report as queued.
    fs.rmdirSync(path.join(dir, 'pending', squat));
    const after = new FsQueue({ dir, bootId: 'boot-b', journal: true }).init();
    expect(after.replayed!.recreated).toEqual([]);
    expect(ls(dir, 'pending')).toHaveLength(300);
  });

  it('holds the process open while a chunk is out, and lets it exit once the batch is done', async () => {
    const script = `
      import { FsQueue } from ${JSON.stringify(path.join(ROOT, 'dist', 'queue', 'index.js'))};
      const q = new FsQueue({ dir: process.env.QDIR, durable: false }).init();
      const recs = await q.enqueueBatch(Array.from({ length: 3000 }, (_, i) => ({ id: 'x' + i, type: 't' })));
      process.stdout.write(String(recs.length));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, QDIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const r = await waitExit(child);
    clearTimeout(killer);
    // Exit 13 would be an unsettled top-level await (the thread let go too early); a kill,
    // a thread that kept the process alive after the batch.
    expect({ code: r.code, signal: r.signal, out: r.stdout }).toEqual({ code: 0, signal: null, out: '3000' });
    expect(ls(dir, 'pending')).toHaveLength(3000);
  });

  it('reaping sweeps files left in tmp/alt/ by a crashed enqueue, as in tmp/', () => {
    const q = new FsQueue({ dir }).init();
    fs.mkdirSync(path.join(dir, 'tmp', 'alt'), { recursive: true });
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const p of [path.join(dir, 'tmp', 'x.tmp'), path.join(dir, 'tmp', 'alt', 'y.tmp')]) {
      fs.writeFileSync(p, '{}');
      fs.utimesSync(p, old, old);
    }
    fs.writeFileSync(path.join(dir, 'tmp', 'alt', 'fresh.tmp'), '{}');
    q.reap({ staleAfterMs: 60_000 });
    expect(fs.readdirSync(path.join(dir, 'tmp')).sort()).toEqual(['alt']);
    expect(fs.readdirSync(path.join(dir, 'tmp', 'alt'))).toEqual(['fresh.tmp']);
  });
});
