#!/usr/bin/env node
// npm run bench:queue [-- --json] [-- --jobs N]
// Measures the filesystem queue beside its baselines, in one run on this machine: BullMQ on
// a throwaway local redis-server, the raw file moves with no queue, a naive fsync-per-job
// enqueue. Prints a table; with --json the last line is one JSON object.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsQueue } from '../dist/queue/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const JOBS = Number(args[args.indexOf('--jobs') + 1]) || 20_000;
const CONCURRENCY = 4;
const say = (s) => process.stderr.write(s + '\n');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgar-bench-'));
let seq = 0;
const freshDir = () => path.join(root, `q${seq++}`);

const children = new Set();
// A failed baseline must not leave worker processes behind.
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function spawnNode(script, env) {
  const child = spawn(process.execPath, [path.join(here, 'bench', script)], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const done = new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`)))));
  // Live workers say "ready", then "done <count> <time of their last completion>".
  const state = { ready: false, count: 0, lastAt: 0 };
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const [word, count, at] = buf.slice(0, i).split(' ');
      buf = buf.slice(i + 1);
      if (word === 'ready') state.ready = true;
      if (word === 'done') Object.assign(state, { count: Number(count), lastAt: Number(at) });
    }
  });
  return { child, done, state, go: () => child.stdin.write('go\n') };
}

const clock = () => performance.timeOrigin + performance.now();

async function until(cond, what, ms = 300_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Workers already running and idle, as in real use (`edgar worker` started, then
 * `edgar coordinate`): the clock runs from the start of the enqueue to the last
 * completion, so enqueueing and draining overlap as far as each queue lets them.
 */
async function live(procs, enqueue) {
  await until(() => procs.every((p) => p.state.ready), 'the workers to be ready');
  await settle();
  const t0 = clock();
  await enqueue();
  await until(() => procs.reduce((n, p) => n + p.state.count, 0) >= JOBS, 'every job to complete');
  const tEnd = Math.max(...procs.map((p) => p.state.lastAt));
  for (const p of procs) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.done));
  return JOBS / ((tEnd - t0) / 1000);
}

async function fsLive(workers) {
  const dir = freshDir();
  const q = new FsQueue({ dir }).init();
  const procs = Array.from({ length: workers }, () => spawnNode('fs-worker.mjs', { QDIR: dir, MODE: 'live', CONCURRENCY: String(CONCURRENCY) }));
  const rate = await live(procs, () => q.enqueueBatch(jobs(JOBS)));
  const done = fs.readdirSync(path.join(dir, 'completed')).length;
  if (done !== JOBS) throw new Error(`live: ${done} of ${JOBS} completed`);
  return rate;
}

/**
 * Let the disk finish what the previous phase wrote. No phase deletes anything before the
 * end: on this journal-less ext4, inodes freed in the last minutes make every file
 * creation slower, by up to 10x (see createProbe), for whichever subject comes next.
 */
async function settle() {
  spawnSync('sync');
  await new Promise((r) => setTimeout(r, 500));
}

/**
 * Files created (and renamed once) per second in a fresh folder, with no queue: what this
 * disk allows right now. This VM's ext4 runs without a journal, and there the inode
 * allocator skips every inode deleted in the last 60-300 s, reading its inode-table block
 * each time (recently_deleted() in fs/ext4/ialloc.c, seen with perf): after many files
 * were deleted, creating a file costs up to 10x more CPU for minutes. A file queue pays
 * that; BullMQ, which creates no file, does not. Each round reports this probe, so a run
 * taken on a poisoned disk shows it.
 */
function createProbe(n = 2_000) {
  const d = freshDir();
  fs.mkdirSync(path.join(d, 'a'), { recursive: true });
  fs.mkdirSync(path.join(d, 'b'));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = path.join(d, 'a', `${i}`);
    fs.writeFileSync(a, '{}', { flag: 'wx' });
    fs.renameSync(a, path.join(d, 'b', `${i}`));
  }
  return n / ((performance.now() - t0) / 1000);
}

const jobs = (n) => Array.from({ length: n }, (_, i) => ({ id: `bench-${i}`, type: 'noop', payload: { n: i, filing: `data/filings/${i}.txt` } }));

/** Enqueue (durable, as in real use), then start the clock and let N workers drain. */
async function fsThroughput(workers, script = 'fs-worker.mjs') {
  const dir = freshDir();
  const q = new FsQueue({ dir }).init();
  const procs = Array.from({ length: workers }, () => spawnNode(script, { QDIR: dir, WAIT_GO: '1', MODE: 'burst', CONCURRENCY: String(CONCURRENCY) }));
  await new Promise((r) => setTimeout(r, 400)); // let them load; not timed
  await settle();
  const t0 = performance.now();
  await q.enqueueBatch(jobs(JOBS));
  const t1 = performance.now();
  for (const p of procs) p.go();
  await Promise.all(procs.map((p) => p.done));
  const t2 = performance.now();
  const done = fs.readdirSync(path.join(dir, 'completed')).length;
  if (done !== JOBS) throw new Error(`${script}: ${done} of ${JOBS} completed`);
  return { endToEnd: JOBS / ((t2 - t0) / 1000), drain: JOBS / ((t2 - t1) / 1000) };
}

async function rawThroughput(workers) {
  const dir = freshDir();
  for (const s of ['pending', 'processing', 'completed']) fs.mkdirSync(path.join(dir, s), { recursive: true });
  const procs = Array.from({ length: workers }, () => spawnNode('raw-worker.mjs', { QDIR: dir }));
  await new Promise((r) => setTimeout(r, 400));
  await settle();
  // The same bytes written the same way as the queue's enqueue, minus nothing but the queue.
  const t0 = performance.now();
  for (const j of jobs(JOBS)) {
    const tmp = path.join(dir, `${j.id}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(j), { flag: 'wx' });
    fs.renameSync(tmp, path.join(dir, 'pending', `${j.id}.json`));
  }
  const t1 = performance.now();
  for (const p of procs) p.go();
  await Promise.all(procs.map((p) => p.done));
  const t2 = performance.now();
  return { endToEnd: JOBS / ((t2 - t0) / 1000), drain: JOBS / ((t2 - t1) / 1000) };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * A throwaway redis-server and BullMQ, or the reason they cannot run here. `durable`:
 * Redis with its append-only file fsynced before it answers (`appendfsync always`), the
 * setting under which an acknowledged job survives a crash, as ours does; the file lives
 * on the same disk as our queue. Otherwise no persistence, as BullMQ is usually run.
 */
async function startBullmq({ durable = false } = {}) {
  const which = spawnSync('sh', ['-c', 'command -v redis-server']);
  if (which.status !== 0) return { skipped: 'redis-server is not installed (apt-get install redis-server)' };
  let bullmq;
  try {
    bullmq = await import('bullmq');
  } catch {
    return { skipped: 'bullmq is not installed (npm install)' };
  }
  const port = await freePort();
  const redisDir = fs.mkdtempSync(path.join(root, 'redis-'));
  const persistence = durable ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir] : ['--appendonly', 'no'];
  const redis = spawn('redis-server', ['--port', String(port), '--save', '', ...persistence, '--bind', '127.0.0.1'], { stdio: 'ignore' });
  children.add(redis);
  const connection = { host: '127.0.0.1', port };
  for (let i = 0; i < 50; i++) {
    const up = await new Promise((res) => {
      const sock = net.connect(port, '127.0.0.1', () => (sock.end(), res(true))).on('error', () => res(false));
    });
    if (up) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  let runs = 0;
  return {
    stop: () => redis.kill('SIGTERM'),
    async runLive(n) {
      const name = `bench${runs++}`;
      const queue = new bullmq.Queue(name, { connection });
      const procs = Array.from({ length: n }, () => spawnNode('bullmq-worker.mjs', { REDIS_PORT: String(port), QUEUE_NAME: name, CONCURRENCY: String(CONCURRENCY), MODE: 'live' }));
      const all = jobs(JOBS);
      const rate = await live(procs, async () => {
        for (let i = 0; i < all.length; i += 1000) await queue.addBulk(all.slice(i, i + 1000).map((j) => ({ name: 'noop', data: j })));
      });
      const counts = await queue.getJobCounts('completed', 'wait', 'active');
      if (counts.completed !== JOBS) throw new Error(`bullmq live: ${JSON.stringify(counts)}`);
      await queue.obliterate({ force: true });
      await queue.close();
      return rate;
    },
    async run(n) {
      const name = `bench${runs++}`;
      const queue = new bullmq.Queue(name, { connection });
      const procs = Array.from({ length: n }, () => spawnNode('bullmq-worker.mjs', { REDIS_PORT: String(port), QUEUE_NAME: name, CONCURRENCY: String(CONCURRENCY) }));
      await new Promise((res) => setTimeout(res, 400));
      await settle();
      const t0 = performance.now();
      const all = jobs(JOBS);
      for (let i = 0; i < all.length; i += 1000) await queue.addBulk(all.slice(i, i + 1000).map((j) => ({ name: 'noop', data: j })));
      const t1 = performance.now();
      for (const p of procs) p.go();
      await Promise.all(procs.map((p) => p.done));
      const t2 = performance.now();
      const counts = await queue.getJobCounts('completed', 'wait', 'active');
      if (counts.completed !== JOBS) throw new Error(`bullmq: ${JSON.stringify(counts)}`);
      await queue.obliterate({ force: true });
      await queue.close();
      return { endToEnd: JOBS / ((t2 - t0) / 1000), drain: JOBS / ((t2 - t1) / 1000) };
    },
  };
}

/** One durable batch through the queue, and the naive loop (fsync file and folder per job). */
async function durableOurs(n) {
  const dir = freshDir();
  const q = new FsQueue({ dir }).init();
  await settle();
  const t0 = performance.now();
  await q.enqueueBatch(jobs(n), { durable: true });
  const rate = n / ((performance.now() - t0) / 1000);
  return rate;
}

async function durableNaive(n) {
  const nd = freshDir();
  fs.mkdirSync(path.join(nd, 'tmp'), { recursive: true });
  fs.mkdirSync(path.join(nd, 'pending'), { recursive: true });
  await settle();
  const t1 = performance.now();
  for (const j of jobs(n)) {
    const tmp = path.join(nd, 'tmp', `${j.id}.json`);
    const fd = fs.openSync(tmp, 'wx');
    fs.writeSync(fd, JSON.stringify(j));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, path.join(nd, 'pending', `${j.id}.json`));
    const dfd = fs.openSync(path.join(nd, 'pending'), 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  }
  const rate = n / ((performance.now() - t1) / 1000);
  return rate;
}

/**
 * Claims per second with a warm view (the steady state), at 1k and at 100k pending, in
 * alternating slices of 100 claims (medians), so that the disk's drift hits both alike;
 * the one-off cold listing is reported apart.
 */
async function claimRates() {
  const setUp = async (pending) => {
    const dir = freshDir();
    await new FsQueue({ dir, durable: false }).init().enqueueBatch(jobs(pending));
    const worker = new FsQueue({ dir, durable: false, rescanMs: 3_600_000 }).init();
    await settle();
    const c0 = performance.now();
    if (!worker.claim(owner)) throw new Error('ran dry'); // lists and sorts pending/
    return { worker, coldMs: performance.now() - c0, rates: [] };
  };
  const owner = { workerId: 'bench', nonce: 'x' };
  const small = await setUp(1_000);
  const large = await setUp(100_000);
  for (let slice = 0; slice < 8; slice++) {
    for (const q of slice % 2 ? [large, small] : [small, large]) {
      const t0 = performance.now();
      for (let i = 0; i < 100; i++) if (!q.worker.claim(owner)) throw new Error('ran dry');
      q.rates.push(100 / ((performance.now() - t0) / 1000));
    }
  }
  return { small: { rate: median(small.rates), coldMs: small.coldMs }, large: { rate: median(large.rates), coldMs: large.coldMs } };
}

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
}

async function wakeAndIdle(samples) {
  const dir = freshDir();
  const q = new FsQueue({ dir, durable: false }).init();
  const wakeLog = path.join(root, 'wake.log');
  const w = spawnNode('fs-worker.mjs', { QDIR: dir, WAKE_LOG: wakeLog, MODE: 'idle' });
  await new Promise((r) => setTimeout(r, 800));
  // Idle CPU over 5 s: no jobs, the watcher armed, rescans running.
  const hz = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;
  const c0 = cpuTicks(w.child.pid);
  const i0 = performance.now();
  await new Promise((r) => setTimeout(r, 5_000));
  const idleCpuPct = ((cpuTicks(w.child.pid) - c0) / hz / ((performance.now() - i0) / 1000)) * 100;
  for (let i = 0; i < samples; i++) {
    await q.enqueue({ id: `wake-${i}`, type: 'noop', sentAt: performance.timeOrigin + performance.now() });
    await new Promise((r) => setTimeout(r, 30 + Math.random() * 40));
  }
  // A wake-up the doorbell missed is caught by the worker's rescan (2 s, jittered): wait
  // for it, and let it count in the percentiles rather than hide it.
  const seen = () => (fs.existsSync(wakeLog) ? fs.readFileSync(wakeLog, 'utf8').trim().split('\n').length : 0);
  for (let i = 0; i < 100 && seen() < samples; i++) await new Promise((r) => setTimeout(r, 50));
  w.child.kill('SIGTERM');
  await w.done;
  const lat = fs.readFileSync(wakeLog, 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b);
  if (lat.length !== samples) throw new Error(`wake: ${lat.length} of ${samples} jobs seen within 5 s`);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  return { p50: pct(50), p99: pct(99), max: lat[lat.length - 1], idleCpuPct };
}

const r = (x) => Math.round(x);
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ROUNDS = Number(args[args.indexOf('--rounds') + 1]) || 3;
say(`edgar queue benchmark: ${JOBS} no-op jobs, concurrency ${CONCURRENCY} per process, ${os.cpus().length} cores, ${ROUNDS} rounds (medians), ${root}`);
// File creation on this VM swings by up to 10x within minutes (createProbe says why), so the
// subjects alternate inside each round and the table reports each one's median: a swing
// hits all of them alike.
const bull = await startBullmq();
if (bull.skipped) say(`  BullMQ skipped: ${bull.skipped}`);
const bullDurable = bull.skipped ? bull : await startBullmq({ durable: true });
const samples = { fs: { 1: [], 2: [], 4: [] }, raw: { 1: [], 2: [], 4: [] }, bull: { 1: [], 2: [], 4: [] }, bullDurable: { 1: [], 2: [], 4: [] } };
const liveSamples = { fs: { 1: [], 2: [], 4: [] }, bull: { 1: [], 2: [], 4: [] }, bullDurable: { 1: [], 2: [], 4: [] } };
const probes = [];
for (let round = 0; round < ROUNDS; round++) {
  probes.push(createProbe());
  say(`  round ${round + 1}: file creation probe ${r(probes.at(-1))} files/s`);
  for (const n of [1, 2, 4]) {
    samples.fs[n].push(await fsThroughput(n));
    samples.raw[n].push(await rawThroughput(n));
    if (!bull.skipped) samples.bull[n].push(await bull.run(n));
    if (!bullDurable.skipped) samples.bullDurable[n].push(await bullDurable.run(n));
    liveSamples.fs[n].push(await fsLive(n));
    if (!bull.skipped) liveSamples.bull[n].push(await bull.runLive(n));
    if (!bullDurable.skipped) liveSamples.bullDurable[n].push(await bullDurable.runLive(n));
  }
  say(`  round ${round + 1}/${ROUNDS} done`);
}
bull.stop?.();
bullDurable.stop?.();
const med = (list, key) => (list.length ? median(list.map((x) => x[key])) : null);
const fsT = {};
const rawT = {};
const bullT = {};
const bullDT = {};
for (const n of [1, 2, 4]) {
  bullDT[n] = bullDurable.skipped ? null : { endToEnd: med(samples.bullDurable[n], 'endToEnd'), drain: med(samples.bullDurable[n], 'drain') };
  fsT[n] = { endToEnd: med(samples.fs[n], 'endToEnd'), drain: med(samples.fs[n], 'drain') };
  rawT[n] = { endToEnd: med(samples.raw[n], 'endToEnd'), drain: med(samples.raw[n], 'drain') };
  bullT[n] = bull.skipped ? null : { endToEnd: med(samples.bull[n], 'endToEnd'), drain: med(samples.bull[n], 'drain') };
  say(`  ${n} worker(s), jobs/s end to end (drain only): edgar ${r(fsT[n].endToEnd)} (${r(fsT[n].drain)}), raw ${r(rawT[n].endToEnd)} (${r(rawT[n].drain)})${bullT[n] ? `, BullMQ ${r(bullT[n].endToEnd)} (${r(bullT[n].drain)})` : ''}${bullDT[n] ? `, BullMQ with appendfsync always ${r(bullDT[n].endToEnd)} (${r(bullDT[n].drain)})` : ''}`);
}
const liveT = {};
for (const n of [1, 2, 4]) {
  liveT[n] = {
    fs: median(liveSamples.fs[n]),
    bull: bull.skipped ? null : median(liveSamples.bull[n]),
    bullDurable: bullDurable.skipped ? null : median(liveSamples.bullDurable[n]),
  };
  say(`  ${n} worker(s), live (workers running while the jobs are enqueued), jobs/s: edgar ${r(liveT[n].fs)}${liveT[n].bull ? `, BullMQ ${r(liveT[n].bull)}` : ''}${liveT[n].bullDurable ? `, BullMQ with appendfsync always ${r(liveT[n].bullDurable)}` : ''}`);
}
const durO = [];
const durN = [];
for (let i = 0; i < 5; i++) {
  durO.push(await durableOurs(1_000));
  durN.push(await durableNaive(1_000));
}
const dur = { ours: median(durO), naive: median(durN) };
say(`  durable enqueue: ${r(dur.ours)} jobs/s batched vs ${r(dur.naive)} naive (fsync per job); medians of 5 alternating runs of 1000`);
const { small: c1k, large: c100k } = await claimRates();
say(`  claims: ${r(c1k.rate)}/s at 1k pending, ${r(c100k.rate)}/s at 100k pending (medians of 8 alternating slices of 100; one-off listing: ${r(c1k.coldMs)} ms vs ${r(c100k.coldMs)} ms)`);
const wake = await wakeAndIdle(300);
say(`  wake-up over 300 jobs: p50 ${wake.p50.toFixed(2)} ms, p99 ${wake.p99.toFixed(2)} ms, max ${wake.max.toFixed(2)} ms; idle worker CPU ${wake.idleCpuPct.toFixed(2)}%`);

const result = {
  jobs: JOBS,
  concurrency: CONCURRENCY,
  fsJobsPerSec: r(fsT[4].endToEnd),
  fsJobsPerSecByWorkers: Object.fromEntries(Object.entries(fsT).map(([k, v]) => [k, r(v.endToEnd)])),
  fsDrainPerSecByWorkers: Object.fromEntries(Object.entries(fsT).map(([k, v]) => [k, r(v.drain)])),
  bullmqJobsPerSec: bull.skipped ? null : r(bullT[4].endToEnd),
  bullmqJobsPerSecByWorkers: bull.skipped ? null : Object.fromEntries([1, 2, 4].map((k) => [k, r(bullT[k].endToEnd)])),
  bullmqDrainPerSecByWorkers: bull.skipped ? null : Object.fromEntries([1, 2, 4].map((k) => [k, r(bullT[k].drain)])),
  bullmqDurableJobsPerSec: bullDurable.skipped ? null : r(bullDT[4].endToEnd),
  bullmqDurableJobsPerSecByWorkers: bullDurable.skipped ? null : Object.fromEntries([1, 2, 4].map((k) => [k, r(bullDT[k].endToEnd)])),
  bullmqDurableDrainPerSecByWorkers: bullDurable.skipped ? null : Object.fromEntries([1, 2, 4].map((k) => [k, r(bullDT[k].drain)])),
  fsLiveJobsPerSec: r(liveT[4].fs),
  fsLiveJobsPerSecByWorkers: Object.fromEntries([1, 2, 4].map((k) => [k, r(liveT[k].fs)])),
  bullmqLiveJobsPerSec: bull.skipped ? null : r(liveT[4].bull),
  bullmqLiveJobsPerSecByWorkers: bull.skipped ? null : Object.fromEntries([1, 2, 4].map((k) => [k, r(liveT[k].bull)])),
  bullmqDurableLiveJobsPerSecByWorkers: bullDurable.skipped ? null : Object.fromEntries([1, 2, 4].map((k) => [k, r(liveT[k].bullDurable)])),
  rawDrainPerSecByWorkers: Object.fromEntries(Object.entries(rawT).map(([k, v]) => [k, r(v.drain)])),
  bullmqSkipped: bull.skipped ?? null,
  rawJobsPerSec: r(rawT[4].endToEnd),
  rawJobsPerSecByWorkers: Object.fromEntries(Object.entries(rawT).map(([k, v]) => [k, r(v.endToEnd)])),
  durableEnqueuePerSec: r(dur.ours),
  naiveDurableEnqueuePerSec: r(dur.naive),
  claimPerSec1k: r(c1k.rate),
  claimPerSec100k: r(c100k.rate),
  coldListingMs1k: r(c1k.coldMs),
  coldListingMs100k: r(c100k.coldMs),
  wakeP50Ms: Number(wake.p50.toFixed(2)),
  wakeP99Ms: Number(wake.p99.toFixed(2)),
  wakeMaxMs: Number(wake.max.toFixed(2)),
  rounds: ROUNDS,
  createProbePerSec: probes.map(r),
  idleCpuPct: Number(wake.idleCpuPct.toFixed(2)),
};
result.ratios = {
  vsBullmq4: result.bullmqJobsPerSec ? Number((result.fsJobsPerSec / result.bullmqJobsPerSec).toFixed(2)) : null,
  vsRaw4: Number((result.fsJobsPerSec / result.rawJobsPerSec).toFixed(2)),
  liveVsBullmq4: bull.skipped ? null : Number((liveT[4].fs / liveT[4].bull).toFixed(2)),
  liveVsBullmqDurable4: bullDurable.skipped ? null : Number((liveT[4].fs / liveT[4].bullDurable).toFixed(2)),
  drainVsBullmq4: bull.skipped ? null : Number((fsT[4].drain / bullT[4].drain).toFixed(2)),
  vsBullmqDurable4: bullDurable.skipped ? null : Number((result.fsJobsPerSec / result.bullmqDurableJobsPerSec).toFixed(2)),
  drainVsBullmqDurable4: bullDurable.skipped ? null : Number((fsT[4].drain / bullDT[4].drain).toFixed(2)),
  drainVsRaw4: Number((fsT[4].drain / rawT[4].drain).toFixed(2)),
  durableVsNaive: Number((result.durableEnqueuePerSec / result.naiveDurableEnqueuePerSec).toFixed(2)),
  claim100kVs1k: Number((result.claimPerSec100k / result.claimPerSec1k).toFixed(2)),
};
say(`  ratios: ${JSON.stringify(result.ratios)}`);
if (asJson) process.stdout.write(JSON.stringify(result) + '\n');
// Last, and announced: removing some 300,000 files takes minutes on this disk, and makes
// file creation slow for minutes after (see createProbe).
say(`  removing ${root} ...`);
fs.rmSync(root, { recursive: true, force: true });
