import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SHARED } from '../helpers.js';

/**
 * A stand-in for www.sec.gov on 127.0.0.1: the quarterly full index and the full
 * submissions below /Archives/, with the behaviours the downloader must cope with
 * (throttling answers, 404s, a slow body), and a log of every request it saw.
 */
export const SAMPLES = path.join(SHARED, 'edgar-samples');
export const DERIVED_MASTER = path.join(SAMPLES, 'index', 'DERIVED_master_2010QTR1_from_fsds.idx');

export interface Seen {
  path: string;
  userAgent: string | undefined;
  at: number;
  status: number;
}

export interface Fault {
  status: number;
  retryAfter?: string;
}

export interface ServerOptions {
  /** Archive path (below /Archives/) -> body. */
  files: Map<string, Buffer>;
  /** Refuse requests without a User-Agent with 403, as SEC does. */
  requireUserAgent?: boolean;
  /** Archive path -> answers given, in order, before the file itself. */
  faults?: Map<string, Fault[]>;
  /** Archive path -> bytes per second for its body (sent in small pieces). */
  slow?: Map<string, number>;
  /**
   * Hold every answer until this many distinct User-Agents have asked (or `gateTimeoutMs`
   * passes), so that processes started together really contend, however slowly a loaded
   * machine starts them.
   */
  gateUserAgents?: number;
  gateTimeoutMs?: number;
}

export interface EdgarServer {
  url: string;
  seen: Seen[];
  /** Bytes of each archive path's body written so far. */
  sent: Map<string, number>;
  requestsFor(archivePath: string): number;
  /** The most requests that arrived within any 1000 ms (a sliding window, stricter than fixed seconds). */
  maxInAnySecond(): number;
  close(): Promise<void>;
}

/** The most of these times (ms) that fall within any 1000 ms: a sliding window, stricter than fixed seconds. */
export function maxInAnySecond(times: number[]): number {
  const t = times.slice().sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= 1000) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

export async function startEdgarServer(opts: ServerOptions): Promise<EdgarServer> {
  const seen: Seen[] = [];
  const sent = new Map<string, number>();
  const faults = new Map([...(opts.faults ?? new Map<string, Fault[]>())].map(([k, v]) => [k, [...v]]));
  const sockets = new Set<import('node:net').Socket>();
  const agents = new Set<string | undefined>();
  let held: Array<() => void> | null = opts.gateUserAgents ? [] : null;
  const open = (): void => {
    const waiting = held ?? [];
    held = null;
    for (const go of waiting) go();
  };
  const gateTimer = held ? setTimeout(open, opts.gateTimeoutMs ?? 20_000) : null;
  const server = http.createServer((req, res) => {
    // Arrival time: what a rate limit at SEC would count, whether or not the answer is held.
    const at = performance.timeOrigin + performance.now();
    agents.add(req.headers['user-agent']);
    if (held && agents.size >= opts.gateUserAgents!) open();
    if (held) held.push(() => handle(req, res, at));
    else handle(req, res, at);
  });
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, at: number): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const archivePath = decodeURIComponent(url.pathname).replace(/^\/Archives\//, '');
    const ua = req.headers['user-agent'];
    const answer = (status: number, headers: Record<string, string> = {}, body = ''): void => {
      seen.push({ path: archivePath, userAgent: ua, at, status });
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(body);
    };
    if (req.method !== 'GET' || !url.pathname.startsWith('/Archives/')) return answer(404);
    if (opts.requireUserAgent !== false && !ua) return answer(403, {}, 'Undeclared Automated Tool');
    const fault = faults.get(archivePath)?.shift();
    if (fault) return answer(fault.status, fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
    const body = opts.files.get(archivePath);
    if (!body) return answer(404, {}, 'Not Found');
    seen.push({ path: archivePath, userAgent: ua, at, status: 200 });
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) });
    const rate = opts.slow?.get(archivePath);
    if (!rate) {
      sent.set(archivePath, (sent.get(archivePath) ?? 0) + body.length);
      res.end(body);
      return;
    }
    // A trickle: a 16 KB piece at a time, so a test can kill the client mid-file.
    let off = 0;
    const piece = 16 * 1024;
    const tick = setInterval(() => {
      if (res.destroyed) return clearInterval(tick);
      const chunk = body.subarray(off, off + piece);
      off += chunk.length;
      sent.set(archivePath, (sent.get(archivePath) ?? 0) + chunk.length);
      if (off >= body.length) {
        clearInterval(tick);
        res.end(chunk);
      } else res.write(chunk);
    }, Math.max(1, Math.round((piece / rate) * 1000)));
    res.on('close', () => clearInterval(tick));
  };
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    sent,
    requestsFor: (p) => seen.filter((s) => s.path === p).length,
    maxInAnySecond: () => maxInAnySecond(seen.map((s) => s.at)),
    close: () =>
      new Promise<void>((resolve) => {
        if (gateTimer) clearTimeout(gateTimer);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The sample filings by accession number (file name without extension). */
export function sampleFilings(): Map<string, string> {
  const dir = path.join(SAMPLES, 'filings');
  return new Map(fs.readdirSync(dir).map((f) => [f.replace(/\.(txt|nc)$/, ''), path.join(dir, f)]));
}

export interface IndexRow {
  cik: number;
  company: string;
  form: string;
  date: string;
  path: string;
}

export function readDerivedMaster(): IndexRow[] {
  return fs
    .readFileSync(DERIVED_MASTER, 'latin1')
    .split('\n')
    .filter((l) => /^\d+\|/.test(l))
    .map((l) => {
      const [cik, company, form, date, p] = l.split('|');
      return { cik: Number(cik), company: company!, form: form!, date: date!, path: p!.trim() };
    });
}

export function masterIdx(rows: IndexRow[]): Buffer {
  const lines = fs.readFileSync(DERIVED_MASTER, 'latin1').split('\n');
  const head = lines.slice(0, lines.findIndex((l) => l.startsWith('----')) + 1).join('\n');
  return Buffer.from(head + '\n' + rows.map((r) => `${r.cik}|${r.company}|${r.form}|${r.date}|${r.path}`).join('\n') + '\n', 'latin1');
}

/** The same rows in form.idx's fixed columns (form, company, CIK, date, file). */
export function formIdx(rows: IndexRow[]): Buffer {
  const head =
    'Description:           Master Index of EDGAR Dissemination Feed by Form Type\nLast Data Received:    March 31, 2010\n' +
    'Comments:              webmaster@sec.gov\nAnonymous FTP:         ftp://ftp.sec.gov/edgar/\n\n\n\n\n' +
    'Form Type   Company Name                                                  CIK         Date Filed  File Name\n' +
    '-'.repeat(141) + '\n';
  const sorted = [...rows].sort((a, b) => a.form.localeCompare(b.form));
  return Buffer.from(
    head + sorted.map((r) => `${r.form.padEnd(12)}${r.company.padEnd(62)}${String(r.cik).padEnd(12)}${r.date.padEnd(12)}${r.path}`).join('\n') + '\n',
    'latin1',
  );
}

/** A small but real-shaped full submission for an index row that has no sample. */
export function generatedFiling(row: IndexRow, padTo = 0): Buffer {
  const acc = path.basename(row.path).replace(/\.txt$/, '');
  const d = row.date.replace(/-/g, '');
  const header =
    `<SEC-DOCUMENT>${acc}.txt : ${d}\n<SEC-HEADER>${acc}.hdr.sgml : ${d}\nACCESSION NUMBER:\t\t${acc}\n` +
    `CONFORMED SUBMISSION TYPE:\t${row.form}\nPUBLIC DOCUMENT COUNT:\t\t1\nFILED AS OF DATE:\t\t${d}\n\n` +
    `FILER:\n\n\tCOMPANY DATA:\n\t\tCOMPANY CONFORMED NAME:\t\t\t${row.company}\n\t\tCENTRAL INDEX KEY:\t\t\t${String(row.cik).padStart(10, '0')}\n` +
    `</SEC-HEADER>\n<DOCUMENT>\n<TYPE>${row.form}\n<SEQUENCE>1\n<FILENAME>doc.txt\n<TEXT>\n`;
  const filler = padTo > header.length ? 'x'.repeat(padTo - header.length) + '\n' : 'Test document.\n';
  return Buffer.from(header + filler + '</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n', 'latin1');
}

/**
 * The archive the server holds for these rows: each row's own sample filing when there is
 * one, a generated filing otherwise, plus the 2010 QTR1 index under `indexName`.
 */
export function archiveFor(rows: IndexRow[], indexName = 'master.idx', opts: { padTo?: number } = {}): Map<string, Buffer> {
  const samples = sampleFilings();
  const files = new Map<string, Buffer>();
  for (const r of rows) {
    const acc = path.basename(r.path).replace(/\.(txt|nc)$/, '');
    const sample = samples.get(acc);
    files.set(r.path, sample ? fs.readFileSync(sample) : generatedFiling(r, opts.padTo));
  }
  const plain = indexName.startsWith('form') ? formIdx(rows) : masterIdx(rows);
  files.set(`edgar/full-index/2010/QTR1/${indexName}`, indexName.endsWith('.gz') ? gzipSync(plain) : plain);
  return files;
}
