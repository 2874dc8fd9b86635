import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsQueue } from '../../src/queue/index.js';
import { edgar, tempDir, until } from '../helpers.js';
import { ageClaims, ls, startWorker } from '../queue/helpers.js';

const owner = { workerId: 'gone', nonce: 'x' };

describe('queue commands as a user runs them', () => {
  it('status --json has the shape CONTRACT.md gives, with live workers and what each holds', async () => {
    const qdir = tempDir();
    const q = new FsQueue({ dir: qdir }).init();
    await q.enqueueBatch([{ id: 'a', type: 't' }, { id: 'b', type: 't' }, { id: 'c', type: 't', maxAttempts: 1 }, { id: 'slow', type: 't' }]);
    q.fail(q.claim(owner)!, new Error('boom'), { permanent: true });
    const w = startWorker({ QDIR: qdir, MODE: 'sleep:30000', WORKER_ID: 'busy-1', CONCURRENCY: '1', GRACE_MS: '200' });
    await until(() => ls(qdir, 'processing').length === 1);
    await until(() => ls(path.join(qdir, 'meta'), 'workers').length === 1);
    const r = await edgar(['status', '--json', '--queue-dir', qdir]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['queueDir', 'counts', 'workers', 'stale', 'oldestPendingAgeMs']));
    expect(s.queueDir).toBe(path.resolve(qdir));
    expect(s.counts).toEqual({ pending: 2, processing: 1, completed: 0, failed: 1 });
    expect(s.workers).toHaveLength(1);
    expect(s.workers[0]).toMatchObject({ id: 'busy-1', pid: w.child.pid, jobs: [expect.any(String)] });
    expect(typeof s.workers[0].host).toBe('string');
    expect(Date.parse(s.workers[0].lastSeen)).not.toBeNaN();
    expect(s.stale).toBe(0);
    expect(s.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
    expect(s.recentFailures[0]).toMatchObject({ error: 'boom', attempts: 1 });
    const human = await edgar(['status', '--queue-dir', qdir]);
    expect(human.stdout).toMatch(/pending\s+2/);
    expect(human.stdout).toMatch(/workers: 1 live/);
    expect(human.stdout).toMatch(/busy-1 .*: /);
    expect(human.stdout).toMatch(/boom/);
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
    // The worker's record is gone with it, and what it held is back in pending/.
    const after = JSON.parse((await edgar(['status', '--json', '--queue-dir', qdir])).stdout);
    expect(after.workers).toEqual([]);
    expect(after.counts).toEqual({ pending: 3, processing: 0, completed: 0, failed: 1 });
  });

  it('status counts a claim without heartbeat as stale; reap-stuck --dry-run moves nothing, reap-stuck does', async () => {
    const qdir = tempDir();
    const q = new FsQueue({ dir: qdir }).init();
    await q.enqueue({ id: 'orphan', type: 't' });
    q.claim(owner);
    ageClaims(qdir, 5 * 60_000);
    expect(JSON.parse((await edgar(['status', '--json', '--queue-dir', qdir])).stdout).stale).toBe(1);
    const dry = await edgar(['reap-stuck', '--dry-run', '--queue-dir', qdir]);
    expect(dry.stdout).toMatch(/would move orphan \(worker gone, attempt 1\/3/);
    expect(ls(qdir, 'processing')).toHaveLength(1);
    const real = await edgar(['reap-stuck', '--queue-dir', qdir]);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/moved orphan .*-> pending/);
    expect(ls(qdir, 'processing')).toEqual([]);
  });

  it('retry: exit 0 when every id was requeued, 1 naming the ids that were not in failed/, 2 without ids or --all', async () => {
    const qdir = tempDir();
    const q = new FsQueue({ dir: qdir }).init();
    await q.enqueue({ id: 'f1', type: 't', maxAttempts: 1 });
    q.fail(q.claim(owner)!, new Error('x'));
    const none = await edgar(['retry', '--queue-dir', qdir]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    const some = await edgar(['retry', 'f1', 'nope', '--queue-dir', qdir]);
    expect(some.code).toBe(1);
    expect(some.stdout).toMatch(/requeued f1/);
    expect(some.stderr).toMatch(/nope is not in failed\//);
    expect(ls(qdir, 'pending')).toHaveLength(1);
  });

  // The CLI decides for itself whether this folder can use the journal (journal.test.ts).
  const journaling = new FsQueue({ dir: tempDir() }).init().journaling;
  it.runIf(journaling)('status shows enqueue journals no worker has retired; prune retires them before it deletes', async () => {
    const qdir = tempDir();
    await new FsQueue({ dir: qdir }).init().enqueueBatch(Array.from({ length: 10 }, (_, i) => ({ id: `j${i}`, type: 't' })));
    const s = JSON.parse((await edgar(['status', '--json', '--queue-dir', qdir])).stdout);
    expect(s.journalsAwaitingSync).toBe(1);
    expect((await edgar(['status', '--queue-dir', qdir])).stdout).toMatch(/enqueue journal: 1 batch\(es\) not yet retired: a worker syncs the filesystem and retires them once \S+ old, `edgar prune` at once/);
    const r = await edgar(['prune', '--older-than', '7d', '--queue-dir', qdir]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse((await edgar(['status', '--json', '--queue-dir', qdir])).stdout).journalsAwaitingSync).toBe(0);
    expect((await edgar(['status', '--queue-dir', qdir])).stdout).not.toMatch(/enqueue journal/);
  });

  it('prune --archive appends each removed record to a JSON-lines file before removing it', async () => {
    const qdir = tempDir();
    const q = new FsQueue({ dir: qdir }).init();
    await q.enqueueBatch([{ id: 'old', type: 't' }, { id: 'new', type: 't' }]);
    for (let c = q.claim(owner); c; c = q.claim(owner)) q.complete(c, { n: c.job.id });
    const t = new Date(Date.now() - 30 * 86_400_000);
    fs.utimesSync(path.join(qdir, 'completed', 'old.json'), t, t);
    const archive = path.join(qdir, 'archive.jsonl');
    const r = await edgar(['prune', '--older-than', '7d', '--archive', archive, '--queue-dir', qdir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/completed: removed 1 \(archived 1\), kept 1/);
    const lines = fs.readFileSync(archive, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toMatchObject([{ id: 'old', result: { n: 'old' } }]);
    expect(ls(qdir, 'completed')).toEqual(['new.json']);
  });

  it('doctor: one line per check, exit 1 when the filings folder is missing, 0 when all required checks pass', async () => {
    const root = tempDir();
    const env = { QUEUE_DIR: path.join(root, 'q'), FILINGS_DIR: path.join(root, 'none'), USE_AI_EXTRACTION: 'false' };
    const bad = await edgar(['doctor'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^ok {3}queue/m);
    // It says how a durable enqueue is made durable on this folder, and if not by the journal, why.
    const q = new FsQueue({ dir: path.join(root, 'q') }).init();
    expect(bad.stdout).toMatch(q.journaling ? /queue .*durable enqueue through the journal/ : /queue .*fsyncs every job file \(no journal: /);
    expect(bad.stdout).toMatch(/^FAIL filings .*does not exist/m);
    expect(bad.stdout).toMatch(/^skip ollama/m);
    expect(bad.stdout).toMatch(/^skip neo4j/m);
    const good = await edgar(['doctor', '--filings-dir', 'data/filings'], env);
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toMatch(/^ok {3}filings .*24 submission file/m);
    // A configured Neo4j that does not answer is a required check that fails; the URI's password never shows.
    const db = await edgar(['doctor', '--filings-dir', 'data/filings'], { ...env, NEO4J_URI: 'neo4j://admin:s3cret@db:7687' });
    expect(db.code, db.stdout).toBe(1);
    expect(db.stdout).toMatch(/^FAIL neo4j {4}Neo4j at neo4j:\/\/db:7687 is unreachable/m);
    expect(db.stdout).not.toContain('s3cret');
  });

  it('bad usage gets one line on stderr and exit 2, never a stack trace', async () => {
    const qdir = tempDir();
    new FsQueue({ dir: qdir }).init();
    const cases: string[][] = [
      ['status', '--bogus'],
      ['reap-stuck', '--stale-after', 'soon', '--queue-dir', qdir],
      ['worker', '--concurrency', 'zero', '--queue-dir', qdir],
      ['coordinate', '--year', '1850', '--queue-dir', qdir],
      ['coordinate', '--queue-dir', qdir],
      ['load-graph', '--queue-dir', qdir],
      ['status', '--queue-dir', path.join(qdir, 'missing')],
      ['status', '--log-level', 'loud', '--queue-dir', qdir],
      ['nosuchcommand'],
    ];
    for (const args of cases) {
      const r = await edgar(args);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});
