#!/usr/bin/env node
// npm run bench:llm [-- --json] [--latency MS] [--parallel P]
// LLM throughput through the real CLI against the Ollama stand-in (test/support), which
// answers each /api/chat after L ms and runs at most P at once (Ollama's
// OLLAMA_NUM_PARALLEL). Ideal: P / L calls per second. Measured: calls answered over the
// stand-in's busy window, for worker processes × OLLAMA_CONCURRENCY below, at and above P.
// Then the same filings again (--force): every answer must come from the cache (0 calls).
// The stand-in generates no text: this measures edgar's scheduling, not a model.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOllamaStandin } from '../test/support/ollama-standin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin', 'edgar');
const argv = process.argv.slice(2);
const asJson = argv.includes('--json');
const arg = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const L = arg('--latency', 1000);
const P = arg('--parallel', 4);
const say = (s) => process.stderr.write(s + '\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgar-bench-llm-'));
const filingsDir = path.join(tmp, 'filings');

/** Async on purpose: the stand-in answers from this process's event loop, which spawnSync would block. */
function edgar(args, env) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`edgar ${args.join(' ')}: ${stderr}`))));
  });
}

async function run(standin, { workers, ollamaConcurrency, jobConcurrency, dir, force = false }) {
  const env = {
    QUEUE_DIR: path.join(dir, 'queue'),
    GRAPH_DIR: path.join(dir, 'graph'),
    LLM_CACHE_DIR: path.join(dir, 'llm-cache'),
    FILINGS_DIR: filingsDir,
    OLLAMA_BASE_URL: standin.url,
    OLLAMA_CONCURRENCY: String(ollamaConcurrency),
    EXTRACTOR: 'llm',
    LOG_LEVEL: 'warn',
  };
  await edgar(['coordinate', '--year', '2012', '--form', '10-K', '8-K', ...(force ? ['--force'] : [])], env);
  const before = { ok: standin.stats.chatOk };
  standin.stats.firstStartMs = 0;
  standin.stats.saturatedAtMs = 0;
  standin.stats.endTimes = [];
  const procs = Array.from({ length: workers }, () => {
    const c = spawn(process.execPath, [BIN, 'worker', '--burst', '--concurrency', String(jobConcurrency)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    return new Promise((resolve) => c.on('exit', resolve));
  });
  await Promise.all(procs);
  const calls = standin.stats.chatOk - before.ok;
  const secs = calls > 0 ? (standin.stats.lastEndMs - standin.stats.firstStartMs) / 1000 : 0;
  // Steady state: from the first moment every slot of the server was busy to the last call
  // admitted; outside it, the ramp-up (processes starting) and the tail (fewer calls left
  // than slots) are not scheduling losses.
  const { saturatedAtMs: from, lastStartMs: to, endTimes } = standin.stats;
  const steadyCalls = from > 0 ? endTimes.filter((t) => t > from && t <= to).length : 0;
  const steadyPerSec = from > 0 && to > from ? steadyCalls / ((to - from) / 1000) : 0;
  const status = JSON.parse((await edgar(['status', '--json'], env)).stdout);
  if (status.counts.failed > 0) throw new Error(`${status.counts.failed} job(s) failed`);
  return { calls, secs, perSec: secs > 0 ? calls / secs : 0, steadyPerSec, jobs: status.counts.completed, maxInFlight: standin.stats.maxInFlight, cached: status.llm?.cached ?? 0 };
}

await edgar(['sample', '--year', '2012', '--count', '200', '--seed', '12', '--filings-dir', filingsDir], {});
const ideal = P / (L / 1000);
say(`LLM throughput against the stand-in: latency ${L} ms, parallel capacity ${P} => ideal ${ideal.toFixed(1)} calls/s`);
const rows = [];
for (const [workers, ollamaConcurrency, jobConcurrency] of [
  [1, 2, 4],
  [2, 4, 8],
  [2, 2, 4],
  [4, 1, 2],
]) {
  const standin = await startOllamaStandin({ latencyMs: L, capacity: P });
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const r = await run(standin, { workers, ollamaConcurrency, jobConcurrency, dir });
  const again = await run(standin, { workers, ollamaConcurrency, jobConcurrency, dir, force: true });
  await standin.close();
  const row = { workers, ollamaConcurrency, inFlight: workers * ollamaConcurrency, calls: r.calls, jobs: r.jobs, callsPerSec: +r.perSec.toFixed(2), ofIdeal: +(r.perSec / Math.min(ideal, (workers * ollamaConcurrency) / (L / 1000))).toFixed(3), ofP: +(r.perSec / ideal).toFixed(3), steadyOfP: +(r.steadyPerSec / ideal).toFixed(3), rerunCalls: again.calls, rerunCached: again.cached };
  rows.push(row);
  say(`  ${workers} worker(s) x OLLAMA_CONCURRENCY ${ollamaConcurrency} (${row.inFlight} in flight): ${r.calls} calls for ${r.jobs} filings in ${r.secs.toFixed(2)} s = ${row.callsPerSec}/s, ${(row.ofP * 100).toFixed(1)}% of P/L over the whole run, ${(row.steadyOfP * 100).toFixed(1)}% in steady state; re-run: ${again.calls} calls, ${again.cached} from cache`);
}
fs.rmSync(tmp, { recursive: true, force: true });
const saturated = rows.filter((r) => r.inFlight >= P);
const summary = {
  latencyMs: L,
  parallel: P,
  idealCallsPerSec: ideal,
  rows,
  minOfIdealSaturated: Math.min(...saturated.map((r) => r.ofP)),
  minSteadyOfIdealSaturated: Math.min(...saturated.map((r) => r.steadyOfP)),
  rerunCalls: rows.reduce((n, r) => n + r.rerunCalls, 0),
};
say(`saturated (workers x concurrency >= P): worst ${(summary.minOfIdealSaturated * 100).toFixed(1)}% of P/L over whole runs, ${(summary.minSteadyOfIdealSaturated * 100).toFixed(1)}% in steady state (target >= 95%); cached re-runs: ${summary.rerunCalls} calls (target 0)`);
if (asJson) process.stdout.write(JSON.stringify(summary) + '\n');
