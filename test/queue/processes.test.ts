import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FsQueue } from '../../src/queue/index.js';
import { edgar, sleep, tempDir, until } from '../helpers.js';
import { ageClaims, completedIds, executions, ls, REAP_GATE, startWorker } from './helpers.js';

const ids = (n: number, prefix = 'job') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

async function seed(qdir: string, jobIds: string[], extra: Record<string, unknown> = {}): Promise<FsQueue> {
  const q = new FsQueue({ dir: qdir }).init();
  await q.enqueueBatch(jobIds.map((id) => ({ id, type: 'test', ...extra })));
  return q;
}

function expectAllCompletedOnce(qdir: string, expected: string[]): void {
  expect(completedIds(qdir).sort()).toEqual(expected.slice().sort());
  expect(ls(qdir, 'pending')).toEqual([]);
  expect(ls(qdir, 'processing')).toEqual([]);
  expect(ls(qdir, 'failed')).toEqual([]);
}

describe('real worker processes', () => {
  it('4 processes racing over 4000 jobs: every id runs and completes exactly once', async () => {
    const qdir = tempDir();
    const log = path.join(qdir, 'exec.log');
    const all = ids(4000);
    await seed(qdir, all);
    // All four loaded before any claims: on a loaded machine one could otherwise drain the
    // queue before another has started, and there would be no race to check.
    const gate = tempDir('edgar-gate-');
    const workers = Array.from({ length: 4 }, (_, i) =>
      startWorker({ QDIR: qdir, EXEC_LOG: log, BURST: '1', CONCURRENCY: String(1 + (i % 2)), WORKER_ID: `race${i}`, START_GATE: gate }),
    );
    await until(() => fs.readdirSync(gate).length === 4, 60_000);
    fs.writeFileSync(path.join(gate, 'open'), '');
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ex = executions(log);
    expect(ex.size).toBe(4000);
    expect([...ex.values()].every((n) => n === 1)).toBe(true);
    expectAllCompletedOnce(qdir, all);
    const summaries = results.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!));
    expect(summaries.reduce((s, x) => s + x.completed, 0)).toBe(4000);
    expect(summaries.filter((s) => s.completed > 0).length).toBeGreaterThan(1);
    // Lanes: each process walks its own share of the names first. With one shared order
    // every name one process took was later tried by each of the others (~3 lost races per
    // job with 4 processes); with lanes, races are lost only while the workers are still
    // agreeing on their lanes and at the very end, when the last names are shared out.
    const lost = summaries.reduce((s, x) => s + x.racesLost, 0);
    expect(lost).toBeLessThan(4000);
  });

  it('workers started first and jobs enqueued while they run: none lost, none doubled', async () => {
    const qdir = tempDir();
    const log = path.join(qdir, 'exec.log');
    new FsQueue({ dir: qdir }).init();
    const workers = Array.from({ length: 3 }, () => startWorker({ QDIR: qdir, EXEC_LOG: log, CONCURRENCY: '2' }));
    const q = new FsQueue({ dir: qdir }).init();
    const all = ids(1500, 'live');
    for (let i = 0; i < all.length; i += 100) {
      await q.enqueueBatch(all.slice(i, i + 100).map((id) => ({ id, type: 'test' })));
      await sleep(5);
    }
    await until(() => ls(qdir, 'completed').length === all.length, 30_000);
    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.done).code).toBe(0);
    expect([...executions(log).values()].every((n) => n === 1)).toBe(true);
    expectAllCompletedOnce(qdir, all);
  });

  const STEPS = {
    claim: 'just after a claim',
    handler: 'mid-handler',
    'before-complete': "after the handler's work, before the final rename",
    'fence-renamed': 'between the final rename and the record update',
  } as const;
  for (const [step, label] of Object.entries(STEPS)) {
    it(`kill -9 ${label}, then reaping: every job completes exactly once`, async () => {
      const qdir = tempDir();
      const log = path.join(qdir, 'exec.log');
      const all = ids(40, step);
      await seed(qdir, all);
      const crashed = await startWorker({ QDIR: qdir, EXEC_LOG: log, KILL_AT: step, KILL_AFTER: '7', CONCURRENCY: '1' }).done;
      expect(crashed.signal).toBe('SIGKILL');
      const stuck = ls(qdir, 'processing');
      expect(stuck.length).toBe(step === 'fence-renamed' ? 0 : 1);
      ageClaims(qdir, 10 * 60_000); // time moves for the reaper; nobody sleeps
      const rescue = await startWorker({ QDIR: qdir, EXEC_LOG: log, BURST: '1' }).done;
      expect(rescue.code, rescue.stderr).toBe(0);
      expectAllCompletedOnce(qdir, all);
      const ex = executions(log);
      const twice = [...ex.entries()].filter(([, n]) => n === 2).map(([id]) => id);
      if (step === 'claim' || step === 'fence-renamed') {
        // Killed before the handler ran, or after the job reached completed/: nothing re-runs.
        expect([...ex.values()].every((n) => n === 1)).toBe(true);
      } else {
        expect(twice).toHaveLength(1); // at-least-once: the interrupted attempt ran again
        expect([...ex.values()].filter((n) => n !== 1 && n !== 2)).toEqual([]);
        const rec = JSON.parse(fs.readFileSync(path.join(qdir, 'completed', `${twice[0]}.json`), 'utf8'));
        expect(rec.attempts).toBe(2);
        expect(rec.errors[0]).toMatchObject({ kind: 'lease-expired', attempt: 1 });
        expect(rec.result).toMatchObject({ ok: true });
      }
      if (step === 'fence-renamed') {
        // The 7th job reached completed/ with its original record: complete, but no result summary.
        const withoutResult = completedIds(qdir).filter((id) => JSON.parse(fs.readFileSync(path.join(qdir, 'completed', `${id}.json`), 'utf8')).result === undefined);
        expect(withoutResult).toHaveLength(1);
      }
    });
  }

  it('a worker SIGSTOPped past its lease and resumed publishes nothing; the job completes once, by another worker', async () => {
    const qdir = tempDir();
    const log = path.join(qdir, 'exec.log');
    await seed(qdir, ['slow']);
    const a = startWorker({ QDIR: qdir, EXEC_LOG: log, MODE: 'sleep:1500', WORKER_ID: 'sleeper', STALE_AFTER: '60000', HEARTBEAT_MS: '100' });
    await until(() => ls(qdir, 'processing').length === 1);
    a.child.kill('SIGSTOP');
    ageClaims(qdir, 10 * 60_000);
    const b = await startWorker({ QDIR: qdir, EXEC_LOG: log, WORKER_ID: 'rescuer', BURST: '1' }).done;
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(qdir, 'completed', 'slow.json'), 'utf8')).workerId).toBe('rescuer');
    a.child.kill('SIGCONT');
    await sleep(2_000); // let the resumed handler finish and try to publish
    a.child.kill('SIGTERM');
    const ra = await a.done;
    expect(ra.code).toBe(0);
    const summary = JSON.parse(ra.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ completed: 0, leaseLost: 1 });
    expect(JSON.parse(fs.readFileSync(path.join(qdir, 'completed', 'slow.json'), 'utf8')).workerId).toBe('rescuer');
    expect(executions(log).get('slow')).toBe(2);
    expectAllCompletedOnce(qdir, ['slow']);
  });

  it("lanes never strand work: jobs in the lane of a worker that is frozen (alive by its record) are taken by the other, and each runs once", async () => {
    const qdir = tempDir();
    const log = path.join(qdir, 'exec.log');
    new FsQueue({ dir: qdir }).init();
    const readyA = path.join(qdir, 'ready-a');
    const readyB = path.join(qdir, 'ready-b');
    const a = startWorker({ QDIR: qdir, EXEC_LOG: log, WORKER_ID: 'frozen', READY_FILE: readyA, CONCURRENCY: '2' });
    const b = startWorker({ QDIR: qdir, EXEC_LOG: log, WORKER_ID: 'awake', READY_FILE: readyB, CONCURRENCY: '2' });
    await until(() => fs.existsSync(readyA) && fs.existsSync(readyB));
    // Both records are there, so each works out a lane of 2; then one freezes with its record
    // still fresh (its lease is 60 s): its half of what comes next is nobody's but its own.
    a.child.kill('SIGSTOP');
    const all = ids(200, 'lane');
    await seed(qdir, all);
    await until(() => ls(qdir, 'completed').length === all.length, 30_000);
    a.child.kill('SIGCONT');
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    const [ra, rb] = [await a.done, await b.done];
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(JSON.parse(ra.stdout.trim().split('\n').pop()!).completed).toBe(0);
    expect(JSON.parse(rb.stdout.trim().split('\n').pop()!).completed).toBe(all.length);
    expect([...executions(log).values()].every((n) => n === 1)).toBe(true);
    expectAllCompletedOnce(qdir, all);
  });

  it('two reapers at once: each stale claim moves exactly once', async () => {
    const qdir = tempDir();
    const all = ids(3000, 'stale');
    const q = await seed(qdir, all);
    while (q.claim({ workerId: 'dead', nonce: 'x' }));
    expect(ageClaims(qdir, 10 * 60_000)).toBe(3000);
    // Each holds at its first claim until both have listed the claims (REAP_GATE), so that
    // one cannot move all 3000 before the other has even started on a loaded machine.
    const gate = { NODE_OPTIONS: `--import=${pathToFileURL(REAP_GATE).href}`, REAP_GATE_DIR: tempDir('edgar-gate-'), REAP_GATE_PARTIES: '2' };
    const [r1, r2] = await Promise.all([
      edgar(['reap-stuck', '--json', '--queue-dir', qdir], gate),
      edgar(['reap-stuck', '--json', '--queue-dir', qdir], gate),
    ]);
    expect(r1!.code, r1!.stderr).toBe(0);
    expect(r2!.code, r2!.stderr).toBe(0);
    const moved = [...JSON.parse(r1!.stdout).moved, ...JSON.parse(r2!.stdout).moved].map((m: { id: string }) => m.id);
    expect(moved.sort()).toEqual(all.slice().sort());
    expect(ls(qdir, 'processing')).toEqual([]);
    expect(ls(qdir, 'pending').length).toBe(3000);
    // Both really raced (each won some), yet no claim moved twice.
    expect(JSON.parse(r1!.stdout).moved.length).toBeGreaterThan(0);
    expect(JSON.parse(r2!.stdout).moved.length).toBeGreaterThan(0);
  });

  it('a handler that calls process.exit ends in failed/ after maxAttempts; the others complete once', async () => {
    const qdir = tempDir();
    const log = path.join(qdir, 'exec.log');
    const all = [...ids(30, 'ok'), 'poison'];
    await seed(qdir, all, { maxAttempts: 3 });
    for (let round = 0; round < 6 && !fs.existsSync(path.join(qdir, 'failed', 'poison.json')); round++) {
      ageClaims(qdir, 10 * 60_000);
      await startWorker({ QDIR: qdir, EXEC_LOG: log, MODE: 'exit-on:poison', BURST: '1' }).done;
    }
    const rec = JSON.parse(fs.readFileSync(path.join(qdir, 'failed', 'poison.json'), 'utf8'));
    expect(rec.attempts).toBe(3);
    expect(rec.errors.map((e: { kind: string }) => e.kind)).toEqual(['lease-expired', 'lease-expired', 'lease-expired']);
    expect(executions(log).get('poison')).toBe(3);
    expect(completedIds(qdir).sort()).toEqual(ids(30, 'ok'));
    expect(ls(qdir, 'processing')).toEqual([]);
    expect(ls(qdir, 'pending')).toEqual([]);
  });

  it('corrupt, empty and truncated job files are quarantined while the rest run', async () => {
    const qdir = tempDir();
    const all = ids(50, 'fine');
    await seed(qdir, all);
    fs.writeFileSync(path.join(qdir, 'pending', '5-0000000000001-empty~0.json'), '');
    fs.writeFileSync(path.join(qdir, 'pending', '5-0000000000001-cut~0.json'), '{"id":"cut","type":"te');
    fs.writeFileSync(path.join(qdir, 'pending', '5-0000000000001-bin~0.json'), Buffer.from([0, 1, 2, 255]));
    const r = await startWorker({ QDIR: qdir, BURST: '1' }).done;
    expect(r.code, r.stderr).toBe(0);
    expect(completedIds(qdir).sort()).toEqual(all);
    expect(ls(qdir, 'failed')).toHaveLength(3);
    expect(ls(qdir, 'pending')).toEqual([]);
  });

  it('with the watcher off, the periodic rescan alone picks up new work', async () => {
    const qdir = tempDir();
    new FsQueue({ dir: qdir }).init();
    const ready = path.join(qdir, 'ready');
    const w = startWorker({ QDIR: qdir, WATCH: 'false', RESCAN_MS: '200', READY_FILE: ready });
    await until(() => fs.existsSync(ready)); // running, its first listing done: idle
    await seed(qdir, ids(20, 'poll'));
    await until(() => ls(qdir, 'completed').length === 20, 10_000);
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
  });

  it('with rescans rare, the doorbell wakes an idle worker', async () => {
    const qdir = tempDir();
    new FsQueue({ dir: qdir }).init();
    const ready = path.join(qdir, 'ready');
    const w = startWorker({ QDIR: qdir, RESCAN_MS: '600000', READY_FILE: ready });
    await until(() => fs.existsSync(ready)); // worker idle, watcher armed
    await seed(qdir, ['ring']);
    await until(() => ls(qdir, 'completed').length === 1, 10_000);
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
  });

  it('SIGTERM: running jobs that outlast the grace period are handed back; processing/ is left empty, exit 0', async () => {
    const qdir = tempDir();
    const all = ids(8, 'long');
    await seed(qdir, all);
    const w = startWorker({ QDIR: qdir, MODE: 'sleep:60000', CONCURRENCY: '4', GRACE_MS: '300' });
    await until(() => ls(qdir, 'processing').length === 4);
    w.child.kill('SIGTERM');
    const r = await w.done;
    expect(r.code).toBe(0);
    expect(ls(qdir, 'processing')).toEqual([]);
    expect(ls(qdir, 'pending')).toHaveLength(8);
    // Handed back uncounted: every pending name still says 0 attempts.
    expect(ls(qdir, 'pending').every((n) => n.endsWith('~0.json'))).toBe(true);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ handedBack: 4 });
  });

  it('SIGTERM: jobs that finish within the grace period complete; a second signal exits at once with 130', async () => {
    const qdir = tempDir();
    await seed(qdir, ids(2, 'quick'));
    const w = startWorker({ QDIR: qdir, MODE: 'sleep:700', CONCURRENCY: '2', GRACE_MS: '5000' });
    await until(() => ls(qdir, 'processing').length === 2);
    w.child.kill('SIGTERM');
    const r = await w.done;
    expect(r.code).toBe(0);
    expect(ls(qdir, 'completed')).toHaveLength(2);

    await seed(qdir, ids(2, 'slow'));
    const w2 = startWorker({ QDIR: qdir, MODE: 'sleep:60000', CONCURRENCY: '2', GRACE_MS: '60000' });
    let said = '';
    w2.child.stderr!.on('data', (d) => (said += d));
    await until(() => ls(qdir, 'processing').length === 2);
    w2.child.kill('SIGTERM');
    await until(() => said.includes('signal SIGTERM')); // the first one handled: a graceful stop under way
    w2.child.kill('SIGTERM');
    const r2 = await w2.done;
    expect(r2.code).toBe(130);
    expect(ls(qdir, 'processing')).toEqual([]);
    expect(ls(qdir, 'pending')).toHaveLength(2);
  });
});
