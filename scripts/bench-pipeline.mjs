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

/** Queue `count` filings of `year`, then time N burst workers draining them. */
async function run({ workers, year, latencyMs, concurrency = 1 }) {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const env = { QUEUE_DIR: path.join(dir, 'queue'), GRAPH_DIR: path.join(dir, 'graph'), FILINGS_DIR: filingsDir, USE_AI_EXTRACTION: 'false', LOG_LEVEL: 'warn' };
  edgar(['coordinate', '--year', String(year)], env);
  const queued = fs.readdirSync(path.join(env.QUEUE_DIR, 'pending')).length;
  spawnSync('sync');
  const t0 = performance.now();
  const procs = Array.from({ length: workers }, () =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, 'worker', '--burst', '--concurrency', String(concurrency)], {
        env: { ...process.env, ...env, EDGAR_SIMULATED_LATENCY_MS: String(latencyMs) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
    }),
  );
  await Promise.all(procs);
  const secs = (performance.now() - t0) / 1000;
  const done = fs.readdirSync(path.join(env.QUEUE_DIR, 'completed')).length;
  if (done !== queued) throw new Error(`${done} of ${queued} completed`);
  fs.rmSync(dir, { recursive: true, force: true });
  return { filings: queued, secs, perSec: queued / secs };
}

say(`edgar pipeline benchmark (${os.cpus().length} cores): generating filings in ${tmp}`);
edgar(['sample', '--year', '2010', '--count', '400', '--seed', '1', '--filings-dir', filingsDir], {});
edgar(['sample', '--year', '2011', '--count', '48', '--seed', '2', '--filings-dir', filingsDir], {});
edgar(['sample', '--year', '2012', '--count', '12', '--seed', '3', '--filings-dir', filingsDir], {});

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
// parse and the process start, spread over the jobs.
const o = await run({ workers: 1, year: 2012, latencyMs: 1000 });
const perJobOverheadMs = ((o.secs - o.filings * 1.0) / o.filings) * 1000;
result.overhead = { jobs: o.filings, perJobOverheadMs: Number(perJobOverheadMs.toFixed(1)), pctOf1sJob: Number((perJobOverheadMs / 10).toFixed(2)) };
say(`  overhead per 1 s job (queue + parse + rules + store + worker start, amortized): ${perJobOverheadMs.toFixed(1)} ms = ${(perJobOverheadMs / 10).toFixed(2)}%`);
fs.rmSync(tmp, { recursive: true, force: true });
if (asJson) process.stdout.write(JSON.stringify(result) + '\n');
