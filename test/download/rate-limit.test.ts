import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, edgar, tempDir, waitExit } from '../helpers.js';
import { parseIndex, selectFilings } from '../../src/download/index.js';
import { archiveFor, DERIVED_MASTER, readDerivedMaster, startEdgarServer, type EdgarServer } from './edgar-server.js';

let server: EdgarServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function run(args: string[], env: Record<string, string>): ReturnType<typeof waitExit> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', EDGAR_RATE_FILE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return waitExit(child);
}

/** Each process's first and last request (told apart by User-Agent) overlap every other's: they really ran at once. */
function overlapping(s: EdgarServer, uas: string[]): boolean {
  const spans = uas.map((ua) => {
    const t = s.seen.filter((x) => x.userAgent === ua).map((x) => x.at);
    return [Math.min(...t), Math.max(...t)] as const;
  });
  return spans.every(([a0, a1], i) => spans.every(([b0, b1], j) => i === j || (a0 < b1 && b0 < a1)));
}

describe('one rate limit for every process', () => {
  it('4 edgar download processes at once stay at or under 10 requests in any one-second window', async () => {
    const rows = readDerivedMaster().filter((r) => r.form === '10-K');
    const ciks = [...new Set(rows.map((r) => r.cik))].slice(0, 40);
    // The server answers nobody until all 4 have asked: on a loaded machine one process could
    // otherwise finish its 10 filings before the last one starts, and share nothing.
    server = await startEdgarServer({ files: archiveFor(rows, 'master.idx'), gateUserAgents: 4 });
    const dir = tempDir('edgar-rate-');
    const uas = [1, 2, 3, 4].map((i) => `Edgar Tests p${i} tests@example.com`);
    const results = await Promise.all(
      uas.map((ua, i) =>
        run(['download', '--year', '2010', '--quarter', '1', '--form', '10-K', '--cik', ...ciks.slice(i * 10, i * 10 + 10).map(String), '--json'], {
          FILINGS_DIR: dir,
          EDGAR_USER_AGENT: ua,
          EDGAR_BASE_URL: server!.url,
        }),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const fetched = results.reduce((n, r) => n + JSON.parse(r.stdout).fetched, 0);
    const want = rows.filter((r) => ciks.includes(r.cik));
    expect(fetched).toBe(new Set(want.map((r) => r.path)).size);
    for (const r of want) expect(fs.existsSync(path.join(dir, r.path)), r.path).toBe(true);
    // Every filing once, plus the index at least once: a process that starts after another
    // has stored the quarter's index reads it from FILINGS_DIR instead of asking again.
    expect(server.seen.filter((x) => !x.path.includes('full-index')).length).toBeGreaterThanOrEqual(fetched);
    expect(server.seen.length).toBeGreaterThanOrEqual(fetched + 1);
    expect(overlapping(server, uas)).toBe(true);
    expect(server.maxInAnySecond()).toBeLessThanOrEqual(10);
  });

  it('queued: coordinate --download and 4 workers share the limit, and each filing is extracted as it lands', async () => {
    const rows = readDerivedMaster();
    const files = archiveFor(rows, 'master.gz');
    // One of the 41 selected is gone from the archive: its job fails for good, with the 404, after one request.
    const selected = selectFilings(parseIndex(fs.readFileSync(DERIVED_MASTER, 'latin1')).entries, { forms: ['10-K'], limit: 41 });
    const gone = selected[20]!;
    files.delete(gone.path);
    server = await startEdgarServer({ files });
    const root = tempDir('edgar-rate-q-');
    const env = {
      FILINGS_DIR: path.join(root, 'filings'),
      QUEUE_DIR: path.join(root, 'queue'),
      GRAPH_DIR: path.join(root, 'graph'),
      USE_AI_EXTRACTION: 'false',
      EDGAR_BASE_URL: server.url,
      EDGAR_RATE_FILE: '',
    };
    const co = await edgar(['coordinate', '--download', '--year', '2010', '--quarter', '1', '--form', '10-K', '--limit', '41', '--extract', '--no-ai'], {
      ...env,
      EDGAR_USER_AGENT: 'Edgar Tests coordinator tests@example.com',
    });
    expect(co.code, co.stderr).toBe(0);
    const batchId = co.stdout.trim();
    expect(batchId).toMatch(/^b-/);
    expect(co.stderr).toMatch(/queued 41 download job\(s\) of 41 selected filing\(s\)/);
    // Workers need no User-Agent of their own: the job carries the one the coordinator checked.
    const workers = await Promise.all([1, 2, 3, 4].map((i) => run(['worker', '--burst', '--id', `w${i}`], { ...env, EDGAR_USER_AGENT: '' })));
    // A burst worker that saw a job fail says so with exit 1: exactly one did.
    expect(workers.map((w) => w.code).sort(), workers.map((w) => w.stderr).join('\n')).toEqual([0, 0, 0, 1]);
    const completed = fs.readdirSync(path.join(env.QUEUE_DIR, 'completed'));
    const failed = fs.readdirSync(path.join(env.QUEUE_DIR, 'failed')).map((f) => JSON.parse(fs.readFileSync(path.join(env.QUEUE_DIR, 'failed', f), 'utf8')));
    expect(failed.map((f) => [f.id, f.attempts])).toEqual([[`download:${gone.accession}`, 1]]);
    expect(failed[0].error).toMatch(/^404 not found: http:\/\/127\.0\.0\.1:\d+\/Archives\/edgar\/data\//);
    expect(server.requestsFor(gone.path)).toBe(1);
    const records = completed.map((f) => JSON.parse(fs.readFileSync(path.join(env.QUEUE_DIR, 'completed', f), 'utf8')));
    const downloads = records.filter((r) => r.type === 'download');
    const filings = records.filter((r) => r.type === 'filing');
    expect(downloads).toHaveLength(40);
    expect(filings).toHaveLength(40);
    expect(new Set(filings.map((f) => f.id))).toEqual(new Set(downloads.map((d) => d.accession)));
    expect(filings.every((f) => f.batchId === batchId)).toBe(true);
    expect(new Set(downloads.map((d) => d.result.workerId)).size).toBeGreaterThan(1);
    expect(fs.readdirSync(path.join(env.GRAPH_DIR, 'fragments'))).toHaveLength(40);
    for (const d of downloads) expect(server.requestsFor(d.filing), d.filing).toBe(1);
    expect(server.seen.every((x) => x.userAgent === 'Edgar Tests coordinator tests@example.com')).toBe(true);
    expect(server.maxInAnySecond()).toBeLessThanOrEqual(10);
  });
});
