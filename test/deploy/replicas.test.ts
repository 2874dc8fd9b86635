import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, edgar, tempDir, until, waitExit, type Exited } from '../helpers.js';
import { ls } from '../queue/helpers.js';
import { COMPOSE_FILE, environmentOf, loadCompose } from './compose-file.js';

/**
 * What `docker compose up --scale worker=4`, a scale-down and `docker compose restart
 * worker` do to the workers, without Docker: processes started with the worker service's
 * own environment and command line from docker-compose.yml (its /app/data volumes mapped
 * to folders of this test), each with its own HOSTNAME as a replica has, stopped the way
 * Docker stops a container (SIGTERM, then waiting). Neo4j and Ollama are left out
 * (NEO4J_URI empty, rules only); the queue, filings and graph are real.
 */

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('worker replicas as docker-compose.yml defines them', () => {
  it('survive a scale-down and a restart mid-run: every filing completes, nothing is left claimed, every stop exits 0', async () => {
    const root = tempDir('edgar-replicas-');
    // A grace shorter than a job, so stopping replicas hands jobs back mid-run.
    const model = loadCompose([COMPOSE_FILE], { NEO4J_PASSWORD: 'unused-here', NEO4J_URI: '', USE_AI_EXTRACTION: 'false', WORKER_GRACE: '100ms' });
    const svc = model.services.worker;
    const volumes: Record<string, string> = {
      '/app/data/queue': path.join(root, 'queue'),
      '/app/data/filings': path.join(ROOT, 'data', 'filings'),
      '/app/data/graph': path.join(root, 'graph'),
      '/app/data/llm-cache': path.join(root, 'llm-cache'),
    };
    const env: Record<string, string> = { ...process.env } as Record<string, string>;
    for (const [k, v] of Object.entries(environmentOf(svc))) env[k] = volumes[v ?? ''] ?? v ?? '';
    env.EDGAR_SIMULATED_LATENCY_MS = '1000';
    const qdir = env.QUEUE_DIR as string;
    const records = (): number => ls(path.join(qdir, 'meta'), 'workers').length;
    const words = (svc.command as string).trim().split(/\s+/);
    expect(words.slice(0, 2)).toEqual(['edgar', 'worker']);

    const replicas = new Map<string, { child: ChildProcess; done: Promise<Exited> }>();
    const up = (name: string): void => {
      const child = spawn(process.execPath, [BIN, ...words.slice(1)], { env: { ...env, HOSTNAME: name }, stdio: ['ignore', 'pipe', 'pipe'] });
      started.push(child);
      replicas.set(name, { child, done: waitExit(child) });
    };
    const stop = async (name: string): Promise<Exited> => {
      const r = replicas.get(name) as { child: ChildProcess; done: Promise<Exited> };
      r.child.kill('SIGTERM');
      replicas.delete(name);
      return r.done;
    };

    const queued = await edgar(['coordinate', '--year', '2010'], env);
    expect(queued.code, queued.stderr).toBe(0);
    const total = ls(qdir, 'pending').length;
    expect(total).toBe(24);

    for (const n of ['edgar-worker-1', 'edgar-worker-2', 'edgar-worker-3', 'edgar-worker-4']) up(n);
    // Every replica's Worker running (its record written), not only the first ones a loaded
    // machine started: a replica stopped while still starting has no tally to check below.
    await until(() => records() === 4 && ls(qdir, 'completed').length >= 4 && ls(qdir, 'processing').length >= 3, 30_000);

    // docker compose up -d --scale worker=2
    const stopped: Exited[] = [];
    stopped.push(...(await Promise.all([stop('edgar-worker-3'), stop('edgar-worker-4')])));
    // docker compose restart worker: the same containers (hostnames) come back.
    await until(() => ls(qdir, 'processing').length >= 1, 30_000);
    stopped.push(...(await Promise.all([stop('edgar-worker-1'), stop('edgar-worker-2')])));
    up('edgar-worker-1');
    up('edgar-worker-2');

    await until(() => ls(qdir, 'completed').length === total && records() === 2, 60_000, 50);
    // docker compose down
    stopped.push(...(await Promise.all([stop('edgar-worker-1'), stop('edgar-worker-2')])));

    for (const s of stopped) expect(s.code, s.stderr).toBe(0);
    const tallies = stopped.map((s) => {
      const last = s.stderr.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.msg === 'worker stopped');
      expect(last, s.stderr).toBeDefined();
      return last as { handedBack: number; completed: number; workerId: string };
    });
    // The stops did land mid-job: jobs were handed back, and still every filing completed.
    expect(tallies.reduce((n, t) => n + t.handedBack, 0)).toBeGreaterThanOrEqual(1);
    expect(new Set(tallies.map((t) => t.workerId.replace(/-\d+$/, '')))).toEqual(new Set(['edgar-worker-1', 'edgar-worker-2', 'edgar-worker-3', 'edgar-worker-4']));
    expect({ pending: ls(qdir, 'pending').length, processing: ls(qdir, 'processing').length, failed: ls(qdir, 'failed').length }).toEqual({
      pending: 0,
      processing: 0,
      failed: 0,
    });
    const status = JSON.parse((await edgar(['status', '--json'], env)).stdout);
    expect(status.counts).toEqual({ pending: 0, processing: 0, completed: total, failed: 0 });
    expect(status.workers).toEqual([]);
    const stats = JSON.parse((await edgar(['graph', 'stats', '--json'], env)).stdout);
    expect(stats.fragments).toBe(total);
    expect(fs.readdirSync(path.join(qdir, 'meta', 'workers')).filter((n) => n.endsWith('.json'))).toEqual([]);
  });
});
