import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsQueue } from '../../src/queue/index.js';
import { BIN, ROOT, edgar, sleep, tempDir, until, waitExit } from '../helpers.js';
import { ls } from '../queue/helpers.js';

interface Env {
  QUEUE_DIR: string;
  FILINGS_DIR: string;
  GRAPH_DIR: string;
  USE_AI_EXTRACTION: string;
  [k: string]: string;
}

function setup(): Env {
  const root = tempDir('edgar-e2e-');
  return { QUEUE_DIR: path.join(root, 'queue'), FILINGS_DIR: path.join(root, 'filings'), GRAPH_DIR: path.join(root, 'graph'), USE_AI_EXTRACTION: 'false' };
}

function spawnEdgar(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const r = await edgar(args, env);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function graphStats(env: Env): Promise<unknown> {
  const s = JSON.parse(await ok(['graph', 'stats', '--json'], env));
  return { nodes: s.nodes, relationships: s.relationships, fragments: s.fragments };
}

describe('the main job end to end', () => {
  it("the README's main command works on the committed demo filings", async () => {
    const env = setup();
    const r = await edgar(['load-graph', '--year', '2010', '--limit', '10'], { QUEUE_DIR: env.QUEUE_DIR, GRAPH_DIR: env.GRAPH_DIR });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/10 completed, 0 failed/);
    expect(fs.readdirSync(path.join(env.GRAPH_DIR, 'fragments')).filter((n) => n.endsWith('.json'))).toHaveLength(10);
    const status = JSON.parse((await edgar(['status', '--json'], { QUEUE_DIR: env.QUEUE_DIR })).stdout);
    expect(status.counts).toEqual({ pending: 0, processing: 0, completed: 10, failed: 0 });
    // Running it again changes nothing: every filing is already completed.
    const again = await edgar(['load-graph', '--year', '2010', '--limit', '10'], { QUEUE_DIR: env.QUEUE_DIR, GRAPH_DIR: env.GRAPH_DIR });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/0 filing\(s\) of 2010 queued, 10 already done/);
  });

  it('coordinator + 4 workers killed with -9 at random and restarted: every filing completes once, and the graph equals a clean single-process run', async () => {
    const env = setup();
    await ok(['sample', '--year', '2011', '--count', '200', '--seed', '7', '--filings-dir', env.FILINGS_DIR], env);
    // Random kills can interrupt one filing several times: allow the retries, since what is
    // tested is that every filing completes exactly once, not the attempt limit.
    const batch = (await ok(['coordinate', '--year', '2011', '--max-attempts', '25'], env)).trim();
    expect(batch).toMatch(/^b-/);
    const workerEnv = { ...env, EDGAR_SIMULATED_LATENCY_MS: '30' };
    const args = ['worker', '--stale-after', '1500ms', '--concurrency', '2'];
    const workers: ChildProcess[] = Array.from({ length: 4 }, () => spawnEdgar(args, workerEnv));
    let kills = 0;
    const chaos = setInterval(() => {
      if (kills >= 20) return clearInterval(chaos); // then the survivors finish the job
      const i = Math.floor(Math.random() * workers.length);
      workers[i]!.kill('SIGKILL');
      kills++;
      workers[i] = spawnEdgar(args, workerEnv);
    }, 400);
    try {
      await until(() => ls(env.QUEUE_DIR, 'completed').length + ls(env.QUEUE_DIR, 'failed').length === 200, 100_000, 100);
    } finally {
      clearInterval(chaos);
    }
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode !== null || w.signalCode !== null ? null : waitExit(w))));
    expect(kills).toBeGreaterThan(3);
    expect(ls(env.QUEUE_DIR, 'pending')).toEqual([]);
    expect(ls(env.QUEUE_DIR, 'processing')).toEqual([]);
    expect(ls(env.QUEUE_DIR, 'failed')).toEqual([]);
    const records = ls(env.QUEUE_DIR, 'completed').map((n) => JSON.parse(fs.readFileSync(path.join(env.QUEUE_DIR, 'completed', n), 'utf8')));
    expect(new Set(records.map((r) => r.id)).size).toBe(200);
    expect(records.every((r) => r.batchId === batch)).toBe(true);

    const clean = { ...setup(), FILINGS_DIR: env.FILINGS_DIR };
    await ok(['load-graph', '--year', '2011'], clean);
    expect(await graphStats(env)).toEqual(await graphStats(clean));
  }, 150_000);

  it('bad filings among good ones each end in failed/ with a clear reason; coordinate --wait exits 1 and names them', async () => {
    const env = setup();
    await ok(['sample', '--year', '2012', '--count', '6', '--seed', '3', '--filings-dir', env.FILINGS_DIR], env);
    const bad = path.join(env.FILINGS_DIR, 'bad');
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'empty.txt'), '');
    fs.writeFileSync(path.join(bad, 'binary.txt'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)));
    fs.writeFileSync(path.join(bad, 'page.txt'), '<html><head><title>Not a filing</title></head><body><p>hello</p></body></html>\n');
    const real = fs.readFileSync(path.join(ROOT, '..', 'shared', 'edgar-samples', 'filings', '0001193125-10-012085.txt'));
    fs.writeFileSync(path.join(bad, 'cut-in-header.txt'), real.subarray(0, 600));
    // A good filing deleted after it was queued, and a forged job pointing outside FILINGS_DIR.
    const coordinated = spawnEdgar(['coordinate', '--year', '2012', '--wait'], env);
    const done = waitExit(coordinated);
    await until(() => ls(env.QUEUE_DIR, 'pending').length >= 10);
    const victim = fs.readdirSync(path.join(env.FILINGS_DIR, 'edgar', 'data'), { recursive: true }).map(String).find((p) => p.endsWith('.txt'))!;
    fs.rmSync(path.join(env.FILINGS_DIR, 'edgar', 'data', victim));
    const q = new FsQueue({ dir: env.QUEUE_DIR });
    const batchId = JSON.parse(fs.readFileSync(path.join(env.QUEUE_DIR, 'pending', ls(env.QUEUE_DIR, 'pending')[0]!), 'utf8')).batchId;
    await q.enqueue({ id: 'forged', type: 'filing', filing: '../../../../etc/passwd', batchId });
    const worker = await edgar(['worker', '--burst'], env);
    expect(worker.code).toBe(1); // some jobs failed
    const r = await done;
    expect(r.code).toBe(1);
    const failed = ls(env.QUEUE_DIR, 'failed').map((n) => JSON.parse(fs.readFileSync(path.join(env.QUEUE_DIR, 'failed', n), 'utf8')));
    const reasons = new Map(failed.map((f) => [f.id, f.error as string]));
    expect([...reasons.keys()].sort()).toEqual(
      ['file:bad/binary.txt', 'file:bad/cut-in-header.txt', 'file:bad/empty.txt', 'file:bad/page.txt', path.basename(victim, '.txt'), 'forged'].sort(),
    );
    expect(reasons.get('forged')).toMatch(/outside FILINGS_DIR/);
    expect(reasons.get('file:bad/empty.txt')).toMatch(/empty/i);
    expect(reasons.get('file:bad/page.txt')).toMatch(/not an EDGAR|no .*header/i);
    expect(reasons.get(path.basename(victim, '.txt'))).toMatch(/not found/);
    for (const id of reasons.keys()) if (id !== 'forged') expect(r.stderr).toContain(`failed ${id}`);
    expect(ls(env.QUEUE_DIR, 'completed')).toHaveLength(5);
    expect(worker.stderr + JSON.stringify(failed)).not.toContain('root:x:0:0');
  });

  it('two coordinators started together queue each filing once; --force requeues completed ones', async () => {
    const env = setup();
    await ok(['sample', '--year', '2013', '--count', '40', '--seed', '5', '--filings-dir', env.FILINGS_DIR], env);
    const [a, b] = await Promise.all([edgar(['coordinate', '--year', '2013'], env), edgar(['coordinate', '--year', '2013'], env)]);
    expect(a!.code, a!.stderr).toBe(0);
    expect(b!.code, b!.stderr).toBe(0);
    const queued = (s: string) => Number(/queued (\d+) of/.exec(s)?.[1]);
    expect(queued(a!.stderr) + queued(b!.stderr)).toBe(40);
    expect(ls(env.QUEUE_DIR, 'pending')).toHaveLength(40);
    await ok(['worker', '--burst'], env);
    expect(queued((await edgar(['coordinate', '--year', '2013'], env)).stderr)).toBe(0);
    expect(queued((await edgar(['coordinate', '--year', '2013', '--force'], env)).stderr)).toBe(40);
    expect(ls(env.QUEUE_DIR, 'pending')).toHaveLength(40);
    expect(ls(env.QUEUE_DIR, 'completed')).toHaveLength(0);
  });

  it('SIGTERM to a worker mid-job leaves nothing in processing/; Ctrl-C during --wait leaves the queue intact and exits 130', async () => {
    const env = setup();
    await ok(['sample', '--year', '2014', '--count', '6', '--seed', '9', '--filings-dir', env.FILINGS_DIR], env);
    const waiter = spawnEdgar(['coordinate', '--year', '2014', '--wait'], env);
    const waited = waitExit(waiter);
    let said = '';
    waiter.stderr!.on('data', (d) => (said += d));
    // Queued, and then waiting with its Ctrl-C handler in place (set up right after this line,
    // which a loaded machine may print well after the jobs are in pending/).
    await until(() => ls(env.QUEUE_DIR, 'pending').length === 6 && /queued 6 of/.test(said));
    await sleep(300);
    waiter.kill('SIGINT');
    const w = await waited;
    expect(w.code).toBe(130);
    expect(w.stderr).toMatch(/stay queued/);
    expect(ls(env.QUEUE_DIR, 'pending')).toHaveLength(6);

    const worker = spawnEdgar(['worker', '--concurrency', '3', '--grace', '200ms'], { ...env, EDGAR_SIMULATED_LATENCY_MS: '60000' });
    const exited = waitExit(worker);
    await until(() => ls(env.QUEUE_DIR, 'processing').length === 3);
    worker.kill('SIGTERM');
    const r = await exited;
    expect(r.code, r.stderr).toBe(0);
    expect(ls(env.QUEUE_DIR, 'processing')).toEqual([]);
    expect(ls(env.QUEUE_DIR, 'pending')).toHaveLength(6);
  });
});
