#!/usr/bin/env node
// node scripts/bench-download.mjs [--json] [--filings 48]
// How close `edgar download` gets to its rate limit, and whether several processes stay
// under it together. A local HTTP server stands in for www.sec.gov (the 2010 QTR1 index
// from ../shared/edgar-samples, generated 200 KB filings) and times every request it gets.
// Three runs on the same filings: 1 process; 4 processes sharing one rate file (the
// default); and, as the baseline of what sharing prevents, 4 processes each with its own
// rate file. Reported: requests per second, its ratio to the limit, and the most requests
// the server saw in any 1000 ms. Prints a table; --json: last line is JSON.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin', 'edgar');
const INDEX = path.resolve(root, '..', 'shared', 'edgar-samples', 'index', 'DERIVED_master_2010QTR1_from_fsds.idx');
const asJson = process.argv.includes('--json');
const nArg = process.argv.indexOf('--filings');
const FILINGS = nArg > 0 ? Number(process.argv[nArg + 1]) : 48;
const RATE = 9;
const say = (s) => process.stderr.write(s + '\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgar-bench-download-'));

const index = fs.readFileSync(INDEX);
const rows = index.toString('latin1').split('\n').filter((l) => /^\d+\|/.test(l)).map((l) => l.split('|'));
let seen = [];
const server = http.createServer((req, res) => {
  seen.push(performance.timeOrigin + performance.now());
  if (req.url.endsWith('/2010/QTR1/master.idx')) return res.end(index);
  const m = /\/Archives\/edgar\/data\/(\d+)\/([\d-]+)\.txt$/.exec(req.url);
  if (!m) return res.writeHead(404).end();
  const body = `<SEC-DOCUMENT>${m[2]}.txt : 20100201\n<SEC-HEADER>\nACCESSION NUMBER:\t${m[2]}\nCONFORMED SUBMISSION TYPE:\t10-K\nFILED AS OF DATE:\t20100201\n</SEC-HEADER>\n<DOCUMENT>\n<TEXT>\n${'x'.repeat(200_000)}\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n`;
  res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

function maxInAnySecond(times) {
  const t = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= 1000) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

function download(ciks, env) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [BIN, 'download', '--year', '2010', '--quarter', '1', '--cik', ...ciks], {
      env: { ...process.env, LOG_LEVEL: 'warn', EDGAR_USER_AGENT: 'edgar bench bench@example.com', EDGAR_BASE_URL: base, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`edgar download exited ${code}: ${err}`))));
  });
}

/** The CIKs of the first FILINGS rows, dealt out to `procs` processes. */
async function run(name, procs, shared) {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const ciks = [...new Set(rows.map((r) => r[0]))].slice(0, FILINGS);
  seen = [];
  await Promise.all(
    Array.from({ length: procs }, (_, i) =>
      download(ciks.filter((_, k) => k % procs === i), {
        FILINGS_DIR: dir,
        EDGAR_RATE_FILE: shared ? path.join(dir, 'rate.json') : path.join(dir, `rate-${i}.json`),
      }),
    ),
  );
  // From the first filing request to the last: index fetches at start-up are included.
  const t = [...seen].sort((a, b) => a - b);
  const secs = (t[t.length - 1] - t[0]) / 1000;
  const rps = (t.length - 1) / secs;
  return { name, processes: procs, requests: t.length, seconds: +secs.toFixed(2), perSecond: +rps.toFixed(2), ofLimit: +(rps / RATE).toFixed(2), maxInAnySecond: maxInAnySecond(t) };
}

const results = [];
say(`${FILINGS} filings of 200 KB from a local server, limit ${RATE}/s (SEC's ceiling: 10)`);
results.push(await run('1 process', 1, true));
results.push(await run('4 processes, one shared rate file', 4, true));
results.push(await run('4 processes, a rate file each (baseline: no sharing)', 4, false));
server.close();
say('| run | requests | seconds | requests/s | ratio to the limit | most in any 1000 ms |');
say('| --- | --- | --- | --- | --- | --- |');
for (const r of results) say(`| ${r.name} | ${r.requests} | ${r.seconds} | ${r.perSecond} | ${r.ofLimit} | ${r.maxInAnySecond} |`);
fs.rmSync(tmp, { recursive: true, force: true });
if (asJson) process.stdout.write(JSON.stringify({ limit: RATE, filings: FILINGS, results }) + '\n');
