#!/usr/bin/env node
// npm run bench:pipeline [-- --json]
// Filings per second through the real CLI (coordinate, then N `edgar worker --burst`
// processes) on generated filings: with rules only, and with a simulated extraction
// latency per filing (EDGAR_SIMULATED_LATENCY_MS, the LLM's cost stand-in). Also the queue's
// overhead per job against a 1-second job. Prints a table; --json: last line is JSON.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin', 'edgar');
const asJson = process.argv.includes('--json');
const say = (s) => process.stderr.write(s + '\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgar-bench-pipeline-'));
const filingsDir = path.join(tmp, 'filings');

function edgar(args, env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`edgar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * N workers are started first and left idle, as in real use; then the coordinator queues
 * the year. The time is taken from the job records themselves: first enqueue to last
 * completion. Worker start-up is outside it; the coordinator's enqueue is inside.
 */
async function run({ workers, year, latencyMs, concurrency = 1 }) {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const env = { QUEUE_DIR: path.join(dir, 'queue'), GRAPH_DIR: path.join(dir, 'graph'), FILINGS_DIR: filingsDir, USE_AI_EXTRACTION: 'false', LOG_LEVEL: 'warn' };
  const procs = Array.from({ length: workers }, (_, i) => {
    const c = spawn(process.execPath, [BIN, 'worker', '--concurrency', String(concurrency), '--id', `bench-${i}`], {
      env: { ...process.env, ...env, EDGAR_SIMULATED_LATENCY_MS: String(latencyMs) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { c, exited: new Promise((resolve) => c.on('exit', resolve)) };
  });
  const workersDir = path.join(env.QUEUE_DIR, 'meta', 'workers');
  while (!fs.existsSync(workersDir) || fs.readdirSync(workersDir).filter((n) => n.endsWith('.json')).length < workers) {
    await new Promise((r) => setTimeout(r, 50));
  }
  spawnSync('sync');
  edgar(['coordinate', '--year', String(year)], env);
  const completed = path.join(env.QUEUE_DIR, 'completed');
  const queuedCount = () => fs.readdirSync(path.join(env.QUEUE_DIR, 'pending')).length + fs.readdirSync(path.join(env.QUEUE_DIR, 'processing')).length;
  while (queuedCount() > 0) await new Promise((r) => setTimeout(r, 100));
  for (const p of procs) p.c.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  const records = fs.readdirSync(completed).map((n) => JSON.parse(fs.readFileSync(path.join(completed, n), 'utf8')));
  if (records.some((r) => !r.result)) throw new Error('a job completed without its result');
  const first = Math.min(...records.map((r) => Date.parse(r.enqueuedAt)));
  const last = Math.max(...records.map((r) => Date.parse(r.completedAt)));
  const secs = (last - first) / 1000;
  fs.rmSync(dir, { recursive: true, force: true });
  return { filings: records.length, secs, perSec: records.length / secs };
}

say(`edgar pipeline benchmark (${os.cpus().length} cores): generating filings in ${tmp}`);
edgar(['sample', '--year', '2010', '--count', '400', '--seed', '1', '--filings-dir', filingsDir], {});
edgar(['sample', '--year', '2011', '--count', '96', '--seed', '2', '--filings-dir', filingsDir], {});
edgar(['sample', '--year', '2012', '--count', '20', '--seed', '3', '--filings-dir', filingsDir], {});

const result = { rulesOnly: {}, simulated: {}, latencyMs: 250 };
for (const n of [1, 2, 4]) {
  const r = await run({ workers: n, year: 2010, latencyMs: 0 });
  result.rulesOnly[n] = Number(r.perSec.toFixed(1));
  say(`  rules only, ${n} worker(s): ${r.perSec.toFixed(1)} filings/s (${r.filings} filings in ${r.secs.toFixed(2)} s)`);
}
for (const n of [1, 2, 4]) {
  const r = await run({ workers: n, year: 2011, latencyMs: result.latencyMs });
  result.simulated[n] = Number(r.perSec.toFixed(2));
  say(`  ${result.latencyMs} ms simulated extraction, ${n} worker(s): ${r.perSec.toFixed(2)} filings/s (${r.filings} in ${r.secs.toFixed(2)} s)`);
}
result.scaling = Object.fromEntries([1, 2, 4].map((n) => [n, Number((result.simulated[n] / result.simulated[1] / n).toFixed(3))]));
say(`  scaling with simulated latency (speed-up / N, target >= 0.9): ${JSON.stringify(result.scaling)}`);

// Overhead: one worker, 1-second jobs; everything beyond 1 s per job is the queue, the
// parse, the rules and the fragment write.
const o = await run({ workers: 1, year: 2012, latencyMs: 1000 });
const perJobOverheadMs = ((o.secs - o.filings * 1.0) / o.filings) * 1000;
result.overhead = { jobs: o.filings, perJobOverheadMs: Number(perJobOverheadMs.toFixed(1)), pctOf1sJob: Number((perJobOverheadMs / 10).toFixed(2)) };
say(`  overhead per 1 s job (queue + parse + rules + store): ${perJobOverheadMs.toFixed(1)} ms = ${(perJobOverheadMs / 10).toFixed(2)}%`);
fs.rmSync(tmp, { recursive: true, force: true });
if (asJson) process.stdout.write(JSON.stringify(result) + '\n');
