#!/usr/bin/env node
// Throughput of EDGAR parsing + rule extraction over the real samples, beside a plain read
// of the same bytes, and peak RSS on the largest sample and on a 100 MB uuencoded part.
// Usage: npm run build && node scripts/bench-parse.mjs [--json] [--seconds N]
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '..', 'dist');
const samples = path.resolve(here, '..', '..', 'shared', 'edgar-samples', 'filings');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const secondsArg = args.indexOf('--seconds');
const seconds = secondsArg === -1 ? 3 : Number(args[secondsArg + 1]);
const MB = 1024 * 1024;

if (!existsSync(path.join(dist, 'edgar', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { parseSubmissionFile } = await import(pathToFileURL(path.join(dist, 'edgar', 'index.js')).href);
const { extractRules, keepTextForRules } = await import(pathToFileURL(path.join(dist, 'extract', 'rules.js')).href);

const files = readdirSync(samples).map((name) => path.join(samples, name));
const totalBytes = files.reduce((sum, file) => sum + statSync(file).size, 0);

/** Runs `pass` over all samples until `budget` seconds are spent; returns MB/s. */
async function throughput(pass, budget) {
  await pass(); // warm-up: JIT, page cache
  let bytes = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < budget) {
    await pass();
    bytes += totalBytes;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return bytes / MB / elapsed;
}

async function readAll() {
  for (const file of files) {
    // Same chunk size as the parser's stream, so the ratio isolates the parsing work.
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) void chunk;
  }
}

async function parseAll(options) {
  for (const file of files) extractRules(await parseSubmissionFile(file, options));
}

/** Peak RSS of a fresh node process that parses one file (baseline node RSS included). */
function peakRss(file) {
  const code = `
    const { parseSubmissionFile } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'edgar', 'index.js')).href)});
    const { extractRules } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'extract', 'rules.js')).href)});
    const sub = await parseSubmissionFile(process.argv[1] ?? '');
    extractRules(sub);
    console.log(JSON.stringify({ maxRssKB: process.resourceUsage().maxRSS, documents: sub.documents.length }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code, file], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`child failed on ${file}: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()).maxRssKB / 1024;
}

function baselineRss() {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.resourceUsage().maxRSS)'], { encoding: 'utf8' });
  return Number(child.stdout.trim()) / 1024;
}

/** A fictitious filing whose second document is one ~100 MB uuencoded part, written in 1 MB blocks. */
function writeHugeUuencoded(file, partBytes) {
  const line = `M${'0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijk'.slice(0, 60)}\n`;
  const block = Buffer.from(line.repeat(Math.ceil(MB / line.length)));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, '<SEC-DOCUMENT>0009999999-24-000001.txt : 20240102\n<SEC-HEADER>0009999999-24-000001.hdr.sgml : 20240102\n');
    writeSync(fd, 'ACCESSION NUMBER:\t\t0009999999-24-000001\nCONFORMED SUBMISSION TYPE:\t8-K\nFILED AS OF DATE:\t\t20240102\n');
    writeSync(fd, 'FILER:\n\tCOMPANY DATA:\n\t\tCOMPANY CONFORMED NAME:\t\t\tEXAMPLE FICTITIOUS CORP\n\t\tCENTRAL INDEX KEY:\t\t\t0009999999\n</SEC-HEADER>\n');
    writeSync(fd, '<DOCUMENT>\n<TYPE>8-K\n<SEQUENCE>1\n<TEXT>\nFictitious.\n</TEXT>\n</DOCUMENT>\n');
    writeSync(fd, '<DOCUMENT>\n<TYPE>EX-99\n<SEQUENCE>2\n<FILENAME>big.pdf\n<TEXT>\nbegin 644 big.pdf\n');
    for (let written = 0; written < partBytes; written += block.length) writeSync(fd, block);
    writeSync(fd, '`\nend\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n');
  } finally {
    closeSync(fd);
  }
}

const readMBps = await throughput(readAll, seconds / 2);
const parseMBps = await throughput(() => parseAll({}), seconds);
const rulesOnlyMBps = await throughput(() => parseAll({ keepText: keepTextForRules }), seconds / 2);

const largest = files.reduce((a, b) => (statSync(a).size >= statSync(b).size ? a : b));
const peakRssLargestMB = peakRss(largest);
const work = mkdtempSync(path.join(tmpdir(), 'edgar-bench-'));
let peakRssHugeUuencodeMB;
try {
  const huge = path.join(work, 'huge-uuencoded.txt');
  writeHugeUuencoded(huge, 100 * MB);
  peakRssHugeUuencodeMB = peakRss(huge);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const nodeBaselineMB = baselineRss();

const result = {
  parseMBps: round(parseMBps),
  readMBps: round(readMBps),
  ratio: round(parseMBps / readMBps, 3),
  peakRssLargestMB: round(peakRssLargestMB),
  peakRssHugeUuencodeMB: round(peakRssHugeUuencodeMB),
};

console.log(`EDGAR parse benchmark: ${files.length} real samples, ${(totalBytes / MB).toFixed(1)} MB per pass`);
console.log('');
console.log(row('measure', 'value'));
console.log(row('-'.repeat(48), '-'.repeat(12)));
console.log(row('plain read (createReadStream)', `${result.readMBps} MB/s`));
console.log(row('parse + rules, all bodies kept', `${result.parseMBps} MB/s`));
console.log(row('parse + rules, keepTextForRules', `${round(rulesOnlyMBps)} MB/s`));
console.log(row('parse / read ratio', `${result.ratio}`));
console.log(row(`peak RSS, largest sample (${(statSync(largest).size / MB).toFixed(1)} MB)`, `${result.peakRssLargestMB} MB`));
console.log(row('peak RSS, 100 MB uuencoded part', `${result.peakRssHugeUuencodeMB} MB`));
console.log(row('peak RSS, node doing nothing', `${round(nodeBaselineMB)} MB`));
if (asJson) console.log(JSON.stringify(result));

function row(label, value) {
  return `${label.padEnd(48)} ${value.padStart(12)}`;
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
