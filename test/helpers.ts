import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'edgar');
export const SHARED = path.resolve(ROOT, '..', 'shared');

export function tempDir(prefix = 'edgar-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function waitExit(child: ChildProcess): Promise<Exited> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/**
 * The environment children inherit, without NEO4J_*: the README tells users to export
 * NEO4J_URI, and a test must never write to (or wait on) the developer's Neo4j unless it
 * passes NEO4J_* itself. Removed from process.env too, so suites that spawn with
 * `...process.env` are covered. (Tests reach a real Neo4j through EDGAR_TEST_NEO4J_*.)
 */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NEO4J_')));
}
for (const k of Object.keys(process.env)) if (k.startsWith('NEO4J_')) delete process.env[k];

/** Runs bin/edgar to completion. */
export function edgar(args: string[], env: Record<string, string> = {}, opts: { cwd?: string } = {}): Promise<Exited> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...inheritedEnv(), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return waitExit(child);
}

export async function until(cond: () => boolean, timeoutMs = 20_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
