import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsQueue } from '../../src/queue/queue.js';
import { BIN, edgar, tempDir, until, waitExit, type Exited } from '../helpers.js';

/**
 * `edgar healthcheck` is what Docker runs in each worker container (the Dockerfile's
 * HEALTHCHECK). Here it runs against real `edgar worker` processes on a real queue folder,
 * in every state a container can be in: starting, claiming, frozen, crashed, stopped.
 */

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startWorker(qdir: string, args: string[] = [], cmd: string[] = [process.execPath, BIN]): { child: ChildProcess; done: Promise<Exited> } {
  const [exe, ...pre] = cmd as [string, ...string[]];
  const child = spawn(exe, [...pre, 'worker', '--queue-dir', qdir, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', WORKER_ID: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  return { child, done: waitExit(child) };
}

const records = (qdir: string): string[] => {
  try {
    return fs.readdirSync(path.join(qdir, 'meta', 'workers')).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
};

/** Moves a worker record's heartbeat into the past (no sleeping). */
function ageRecords(qdir: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  for (const r of records(qdir)) fs.utimesSync(path.join(qdir, 'meta', 'workers', r), t, t);
}

const check = (qdir: string, ...args: string[]): Promise<Exited> => edgar(['healthcheck', '--queue-dir', qdir, ...args], { WORKER_ID: '' });

describe('edgar healthcheck', () => {
  it('unhealthy (exit 1, one line) with no queue, and with a queue but no worker', async () => {
    const root = tempDir();
    const none = await check(path.join(root, 'missing'));
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`unhealthy: no queue at ${path.join(root, 'missing')}\n`);
    expect(fs.existsSync(path.join(root, 'missing'))).toBe(false);

    const qdir = path.join(root, 'q');
    new FsQueue({ dir: qdir }).init();
    const idle = await check(qdir);
    expect(idle.code).toBe(1);
    expect(idle.stderr.trim().split('\n')).toHaveLength(1);
    expect(idle.stderr).toMatch(new RegExp(`^unhealthy: no worker record for host ${os.hostname()} in .*meta/workers`));
  });

  it('healthy while a worker runs; unhealthy once it is SIGSTOPped past its lease; healthy again after SIGCONT', async () => {
    const qdir = tempDir();
    // A 3 s lease: the worker rewrites its record every second.
    const w = startWorker(qdir, ['--stale-after', '3s']);
    await until(() => records(qdir).length === 1);
    const ok = await check(qdir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^healthy: worker ${os.hostname()}-${w.child.pid} \\(pid ${w.child.pid}\\) heartbeat \\d+\\.\\ds ago`));
    expect(ok.stdout.trim().split('\n')).toHaveLength(1);

    // Frozen: the process exists, but its event loop (which claims and heartbeats) does not turn.
    w.child.kill('SIGSTOP');
    ageRecords(qdir, 10_000);
    const frozen = await check(qdir);
    expect(frozen.code).toBe(1);
    expect(frozen.stderr).toMatch(/^unhealthy: worker \S+ \(pid \d+\) last heartbeat 1\d\.\ds ago, over the 3\.0s limit/);

    w.child.kill('SIGCONT');
    await until(() => spawnSync(process.execPath, [BIN, 'healthcheck', '--queue-dir', qdir], { env: { ...process.env, WORKER_ID: '' } }).status === 0, 20_000, 200);
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
    // A stopped worker removes its record: nothing of this host claims any more.
    const gone = await check(qdir);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no worker record for host/);
  });

  it('judges the heartbeat against the lease the worker runs with, unless --stale-after says otherwise', async () => {
    const qdir = tempDir();
    const w = startWorker(qdir); // default lease 60 s: a record rewritten every 20 s
    await until(() => records(qdir).length === 1);
    w.child.kill('SIGSTOP');
    ageRecords(qdir, 30_000);
    expect((await check(qdir)).code).toBe(0);
    const strict = await check(qdir, '--stale-after', '10s');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/over the 10\.0s limit/);
    w.child.kill('SIGCONT');
  });

  it('unhealthy when the worker was killed (its fresh record is left over), and --id picks one worker', async () => {
    const qdir = tempDir();
    const w = startWorker(qdir, ['--id', 'replica-a']);
    await until(() => records(qdir).length === 1);
    expect((await check(qdir, '--id', 'replica-a')).code).toBe(0);
    const other = await check(qdir, '--id', 'replica-b');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/no worker record for worker replica-b on host/);
    w.child.kill('SIGKILL');
    await w.done;
    const dead = await check(qdir);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toBe(`unhealthy: worker replica-a (pid ${w.child.pid}) is not running; its record is left over\n`);
  });

  it('unhealthy when the worker is alive but cannot claim (a queue folder is gone from under it)', async () => {
    const qdir = tempDir();
    const w = startWorker(qdir);
    await until(() => records(qdir).length === 1);
    expect((await check(qdir)).code).toBe(0);
    w.child.kill('SIGSTOP'); // so that it does not notice the folder moving meanwhile
    const processing = path.join(qdir, 'processing');
    fs.renameSync(processing, `${processing}.away`);
    try {
      const r = await check(qdir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`unhealthy: cannot claim from ${processing}: ENOENT: no such file or folder\n`);
    } finally {
      fs.renameSync(`${processing}.away`, processing);
    }
    w.child.kill('SIGCONT');
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
  });

  it('the record says when the claim loop last turned; a fresh heartbeat with a stalled loop is unhealthy', async () => {
    const qdir = tempDir();
    const w = startWorker(qdir, ['--stale-after', '3s']);
    await until(() => records(qdir).length === 1);
    const file = path.join(qdir, 'meta', 'workers', records(qdir)[0] as string);
    const read = (): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8'));
    const first = Date.parse(read().loopAt as string);
    expect(Number.isFinite(first)).toBe(true);
    // Idle, the loop still turns on its ~2 s rescan, and the next heartbeat carries it.
    await until(() => Date.parse(read().loopAt as string) > first, 20_000, 100);
    expect((await check(qdir)).code).toBe(0);

    // The heartbeat timer goes on while the claim loop does not: written as the worker
    // would, with a loop 20 s old and a fresh mtime (the worker is stopped meanwhile).
    w.child.kill('SIGSTOP');
    fs.writeFileSync(file, JSON.stringify({ ...read(), loopAt: new Date(Date.now() - 20_000).toISOString() }));
    const stalled = await check(qdir);
    expect(stalled.code).toBe(1);
    expect(stalled.stderr).toMatch(/^unhealthy: worker \S+ \(pid \d+\) heartbeats, but its claim loop last turned 2\d\.\ds ago, over the 8\.0s limit: it no longer claims\n$/);
    w.child.kill('SIGCONT');
    await until(() => spawnSync(process.execPath, [BIN, 'healthcheck', '--queue-dir', qdir], { env: { ...process.env, WORKER_ID: '' } }).status === 0, 20_000, 200);
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
  });

  it.skipIf(!fs.existsSync('/proc/self/stat'))('a fresh record whose pid now runs another process (a restarted container reuses pids) is unhealthy', async () => {
    const qdir = tempDir();
    const w = startWorker(qdir, ['--id', 'first']);
    await until(() => records(qdir).length === 1);
    const rec = JSON.parse(fs.readFileSync(path.join(qdir, 'meta', 'workers', records(qdir)[0] as string), 'utf8'));
    // The worker wrote its own start time, as /proc has it.
    const startOf = (pid: number): number => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19]);
    expect(rec.pidStart).toBe(startOf(w.child.pid as number));
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);

    // The previous process's record, fresh, naming a pid that is alive but is another process.
    const other = spawn('sleep', ['30']);
    started.push(other);
    const left = { ...rec, pid: other.pid, loopAt: new Date().toISOString(), pidStart: startOf(other.pid as number) - 1 };
    fs.writeFileSync(path.join(qdir, 'meta', 'workers', 'first~old.json'), JSON.stringify(left));
    const reused = await check(qdir);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toBe(`unhealthy: worker first (pid ${other.pid}) is gone: pid ${other.pid} is now another process (a restart reuses pids); its record is left over\n`);
    // The control: the same record with that process's own start time passes.
    fs.writeFileSync(path.join(qdir, 'meta', 'workers', 'first~old.json'), JSON.stringify({ ...left, pidStart: startOf(other.pid as number) }));
    expect((await check(qdir)).code).toBe(0);
  });

  it('bad usage is exit 2 with one line, no stack trace', async () => {
    const r = await check(tempDir(), '--stale-after', 'soon');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('edgar: --stale-after: "soon" is not a duration (write 500ms, 30s, 5m, 2h, 7d or milliseconds)\n');
  });
});

const tini = ['/usr/bin/tini', '/sbin/tini'].find((p) => fs.existsSync(p));
// A pid namespace of its own makes tini PID 1, as in a container (needs root or user namespaces).
const pidNamespace = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

describe.skipIf(!tini)('the image entrypoint: tini -- edgar worker (when tini is installed)', () => {
  it(`SIGTERM to tini${pidNamespace ? ' as PID 1 of its own pid namespace' : ''} reaches node: the worker drains, removes its record, exits 0`, async () => {
    const qdir = tempDir();
    const entry = [tini as string, '--', process.execPath, BIN];
    const w = startWorker(qdir, ['--grace', '1s'], pidNamespace ? ['unshare', '--pid', '--fork', '--mount-proc', ...entry] : entry);
    await until(() => records(qdir).length === 1);
    // Inside the namespace the worker is pid 2, tini's child.
    if (pidNamespace) expect(records(qdir)[0]).toMatch(/-2~/);
    const tiniPid = pidNamespace
      ? Number(spawnSync('ps', ['-o', 'pid=', '--ppid', String(w.child.pid)], { encoding: 'utf8' }).stdout.trim())
      : (w.child.pid as number);
    expect(tiniPid).toBeGreaterThan(0);
    process.kill(tiniPid, 'SIGTERM'); // what `docker stop` sends to PID 1
    const r = await w.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/worker stopped/);
    expect(records(qdir)).toEqual([]);
  });
});
