import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, edgar, inheritedEnv, sleep, tempDir, until, waitExit, type Exited } from '../helpers.js';
import { ageClaims, ls } from '../queue/helpers.js';

/**
 * scripts/compose-recover.sh runs `reap-stuck --stale-after 30s`, and every worker reaps on
 * its own with its own limit. A worker started with a longer --stale-after touches its
 * claims only every lease/3, so a shorter limit must not take claims whose owner is alive:
 * its record in meta/workers/ is fresh by its own lease. Real `edgar worker` processes hold
 * real claims; time is moved with utimes, never slept.
 */

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function stack(): { qdir: string; env: Record<string, string> } {
  const root = tempDir('edgar-recover-');
  const env = {
    QUEUE_DIR: path.join(root, 'queue'),
    FILINGS_DIR: path.join(ROOT, 'data', 'filings'),
    GRAPH_DIR: path.join(root, 'graph'),
    LLM_CACHE_DIR: 'off',
    USE_AI_EXTRACTION: 'false',
    WORKER_ID: '',
    // A job that outlasts the test: its claim stays in processing/ while we look.
    EDGAR_SIMULATED_LATENCY_MS: '600000',
  };
  return { qdir: env.QUEUE_DIR, env };
}

function worker(env: Record<string, string>, args: string[]): { child: ChildProcess; done: Promise<Exited> } {
  const child = spawn(process.execPath, [BIN, 'worker', ...args], { env: { ...inheritedEnv(), LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return { child, done: waitExit(child) };
}

const recordFiles = (qdir: string): string[] => ls(qdir, path.join('meta', 'workers'));

function ageRecords(qdir: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  for (const r of recordFiles(qdir)) fs.utimesSync(path.join(qdir, 'meta', 'workers', r), t, t);
}

async function oneClaimBy(env: Record<string, string>, qdir: string, args: string[]): Promise<{ child: ChildProcess; done: Promise<Exited> }> {
  const q = await edgar(['coordinate', '--year', '2010', '--limit', '1'], env);
  expect(q.code, q.stderr).toBe(0);
  const w = worker(env, args);
  await until(() => ls(qdir, 'processing').length === 1 && recordFiles(qdir).length === 1);
  return w;
}

describe('reaping never takes a live worker’s claim', () => {
  it('reap-stuck --stale-after 30s leaves the claim of a live worker whose own lease is 2m; takes it once that worker is dead', async () => {
    const { qdir, env } = stack();
    const w = await oneClaimBy(env, qdir, ['--stale-after', '2m']);
    // 45 s since its last touch: past 30 s, but the owner heartbeats only every 40 s.
    ageClaims(qdir, 45_000);
    const live = await edgar(['reap-stuck', '--stale-after', '30s'], env);
    expect(live.code, live.stderr).toBe(0);
    expect(live.stdout).toMatch(/^0 stale job\(s\) moved/m);
    expect(ls(qdir, 'processing')).toHaveLength(1);
    const dry = JSON.parse((await edgar(['reap-stuck', '--stale-after', '30s', '--dry-run', '--json'], env)).stdout);
    expect(dry.moved).toEqual([]);
    // status says the same as reap-stuck: the claim is held, not stale.
    const st = JSON.parse((await edgar(['status', '--json', '--stale-after', '30s'], env)).stdout);
    expect(st.stale).toBe(0);

    // Past its own lease, the claim goes whatever its record says.
    ageClaims(qdir, 125_000);
    expect((await edgar(['reap-stuck', '--stale-after', '30s', '--dry-run'], env)).stdout).toMatch(/would move 9999999999-10-/);
    expect(JSON.parse((await edgar(['status', '--json', '--stale-after', '30s'], env)).stdout).stale).toBe(1);

    // Killed: the record stops being rewritten; once it is older than the owner's lease, 30 s rules again.
    w.child.kill('SIGKILL');
    await w.done;
    ageClaims(qdir, 45_000);
    expect((await edgar(['reap-stuck', '--stale-after', '30s'], env)).stdout).toMatch(/^0 stale job\(s\) moved/m);
    ageRecords(qdir, 121_000);
    // 45 s again, not 45 s plus however long the runs above took on a loaded machine.
    ageClaims(qdir, 45_000);
    const dead = await edgar(['reap-stuck', '--stale-after', '30s'], env);
    expect(dead.stdout).toMatch(/^moved 9999999999-10-\S+ \(worker \S+, attempt 1\/\d+, no heartbeat for 4\d(\.\d)?s\) -> pending$/m);
    expect(ls(qdir, 'processing')).toEqual([]);
    expect(ls(qdir, 'pending')).toHaveLength(1);
  });

  it('a worker’s own periodic reaping (a short --stale-after) leaves another live worker’s claim alone too', async () => {
    const { qdir, env } = stack();
    await oneClaimBy(env, qdir, ['--stale-after', '2m', '--id', 'patient']);
    ageClaims(qdir, 45_000);
    // It reaps at start, then every 500 ms.
    const eager = worker({ ...env, EDGAR_SIMULATED_LATENCY_MS: '0' }, ['--stale-after', '1s', '--id', 'eager']);
    await until(() => recordFiles(qdir).length === 2);
    await sleep(2_000);
    expect(ls(qdir, 'processing')).toEqual([expect.stringMatching(/~1~patient~/)]);
    eager.child.kill('SIGTERM');
    const r = await eager.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/reaped a stale job/);
  });

  it('a record superseded by a later worker of the same host and pid (a restarted container) protects nothing', async () => {
    const { qdir, env } = stack();
    const w = await oneClaimBy(env, qdir, ['--stale-after', '2m', '--id', 'replica']);
    ageClaims(qdir, 45_000);
    const [name] = recordFiles(qdir) as [string];
    const rec = JSON.parse(fs.readFileSync(path.join(qdir, 'meta', 'workers', name), 'utf8'));
    expect(rec).toMatchObject({ host: os.hostname(), pid: w.child.pid, staleAfterMs: 120_000 });
    // The container's next worker, under the same pid: written as Worker.run writes it.
    const later = { ...rec, startedAt: new Date(Date.parse(rec.startedAt) + 5_000).toISOString() };
    fs.writeFileSync(path.join(qdir, 'meta', 'workers', 'replica~next01.json'), JSON.stringify(later));
    const r = await edgar(['reap-stuck', '--stale-after', '30s'], env);
    expect(r.stdout).toMatch(/^moved 9999999999-10-\S+ \(worker replica, /m);
  });

  it('another host’s or another pid’s later record supersedes nothing', async () => {
    const { qdir, env } = stack();
    const w = await oneClaimBy(env, qdir, ['--stale-after', '2m', '--id', 'replica']);
    ageClaims(qdir, 45_000);
    const [name] = recordFiles(qdir) as [string];
    const rec = JSON.parse(fs.readFileSync(path.join(qdir, 'meta', 'workers', name), 'utf8'));
    const startedAt = new Date(Date.parse(rec.startedAt) + 5_000).toISOString();
    fs.writeFileSync(path.join(qdir, 'meta', 'workers', 'other~a.json'), JSON.stringify({ ...rec, startedAt, host: 'elsewhere' }));
    fs.writeFileSync(path.join(qdir, 'meta', 'workers', 'other~b.json'), JSON.stringify({ ...rec, startedAt, pid: (w.child.pid as number) + 1 }));
    expect((await edgar(['reap-stuck', '--stale-after', '30s'], env)).stdout).toMatch(/^0 stale job\(s\) moved/m);
  });
});
