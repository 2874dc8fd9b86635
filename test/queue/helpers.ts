import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, waitExit, type Exited } from '../helpers.js';

export const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'queue-worker.mjs');
/** A module for --import that holds `reap-stuck` at its first claim until its rivals get there too. */
export const REAP_GATE = path.join(ROOT, 'test', 'fixtures', 'reap-gate.mjs');

export function startWorker(env: Record<string, string>): { child: ChildProcess; done: Promise<Exited> } {
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, done: waitExit(child) };
}

export function ls(qdir: string, state: string): string[] {
  try {
    return fs.readdirSync(path.join(qdir, state)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
}

/** Moves time for the reaper: sets every claim's mtime `ms` into the past (no sleeping). */
export function ageClaims(qdir: string, ms: number): number {
  const dir = path.join(qdir, 'processing');
  const names = ls(qdir, 'processing');
  const t = new Date(Date.now() - ms);
  for (const n of names) fs.utimesSync(path.join(dir, n), t, t);
  return names.length;
}

/** Executions per job id, from the fixture's append-only log. */
export function executions(logFile: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!fs.existsSync(logFile)) return out;
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    const id = line.split(' ')[0];
    if (id) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

export function completedIds(qdir: string): string[] {
  return ls(qdir, 'completed').map((n) => decodeURIComponent(n.slice(0, -5)));
}
