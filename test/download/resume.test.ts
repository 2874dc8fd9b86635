import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCompleteSubmission } from '../../src/download/index.js';
import { scanFilings, walkFilings } from '../../src/pipeline/find-filings.js';
import { BIN, ROOT, edgar, tempDir, until, waitExit } from '../helpers.js';
import { archiveFor, readDerivedMaster, startEdgarServer, type EdgarServer, type IndexRow } from './edgar-server.js';

const UA = 'Edgar Tests tests@example.com';
const AMAZON = 'edgar/data/1018724/0001193125-10-016098.txt'; // a 3.6 MB sample: slow enough to stop mid-file
let server: EdgarServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Three small filings before the big one, two after, in filing-date order. */
function rows(): IndexRow[] {
  const all = readDerivedMaster();
  const amazon = all.find((r) => r.path === AMAZON)!;
  const before = all.filter((r) => r.date < amazon.date).slice(0, 3);
  const after = all.filter((r) => r.date > amazon.date && r.form === '10-K').slice(0, 2);
  return [...before, amazon, ...after];
}

function start(dir: string): ReturnType<typeof spawn> {
  return spawn(process.execPath, [BIN, 'download', '--year', '2010', '--quarter', '1', '--concurrency', '1'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', FILINGS_DIR: dir, EDGAR_USER_AGENT: UA, EDGAR_BASE_URL: server!.url, EDGAR_RATE_FILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const parts = (dir: string): string[] => {
  const d = path.join(dir, path.dirname(AMAZON));
  return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('.part')).map((f) => path.join(d, f)) : [];
};

describe('an interrupted download', () => {
  it('kill -9 mid-file: no partial filing in place or in a scan; the re-run fetches only what was missing', async () => {
    const rs = rows();
    const files = archiveFor(rs, 'master.idx');
    const slow = new Map([[AMAZON, 256 * 1024]]);
    server = await startEdgarServer({ files, slow });
    const dir = tempDir('edgar-resume-');
    const child = start(dir);
    const exited = waitExit(child);
    await until(() => (server!.sent.get(AMAZON) ?? 0) > 512 * 1024 && parts(dir).some((p) => fs.statSync(p).size > 0), 30_000);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    const dest = path.join(dir, AMAZON);
    expect(fs.existsSync(dest)).toBe(false);
    const [part] = parts(dir);
    expect(part).toBeDefined();
    expect(fs.statSync(part!).size).toBeLessThan(files.get(AMAZON)!.length);
    // The coordinator's scan never takes the leftover for a filing.
    expect([...walkFilings(dir)].some((p) => p.endsWith('.part'))).toBe(false);
    const scanned = scanFilings(dir, { year: 2010 });
    expect(scanned.unreadable).toEqual([]);
    for (const f of scanned.filings) expect(isCompleteSubmission(f.path)).toBe(true);
    const before = rs.slice(0, 3).map((r) => r.path);
    expect(scanned.filings.map((f) => path.relative(dir, f.path)).sort()).toEqual([...before].sort());

    // Resumed at once (the leftover is seconds old): its writer, a process of this machine,
    // is gone, which the .part's name tells, so the re-run clears it away.
    expect(Date.now() - fs.statSync(part!).mtimeMs).toBeLessThan(60_000);
    slow.clear();
    const again = await edgar(['download', '--year', '2010', '--quarter', '1', '--json'], { FILINGS_DIR: dir, EDGAR_USER_AGENT: UA, EDGAR_BASE_URL: server.url, EDGAR_RATE_FILE: '' });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ selected: 6, skipped: 3, fetched: 3 });
    for (const r of rs) {
      expect(fs.readFileSync(path.join(dir, r.path)).equals(files.get(r.path)!), r.path).toBe(true);
      expect(server.requestsFor(r.path), r.path).toBe(r.path === AMAZON ? 2 : 1);
    }
    expect(parts(dir)).toEqual([]);
  });

  it('Ctrl-C mid-file: exit 130, the partial file removed, a re-run completes', async () => {
    const rs = rows();
    const files = archiveFor(rs, 'master.idx');
    const slow = new Map([[AMAZON, 256 * 1024]]);
    server = await startEdgarServer({ files, slow });
    const dir = tempDir('edgar-resume-');
    // A fresh .part of someone else's (another process writing now) must be left alone.
    fs.mkdirSync(path.join(dir, path.dirname(AMAZON)), { recursive: true });
    const theirs = path.join(dir, path.dirname(AMAZON), `.${path.basename(AMAZON)}.99999.abcdef.part`);
    fs.writeFileSync(theirs, 'in progress');
    const child = start(dir);
    const exited = waitExit(child);
    await until(() => (server!.sent.get(AMAZON) ?? 0) > 256 * 1024, 30_000);
    child.kill('SIGINT');
    const r = await exited;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted: run the same command again to resume/);
    expect(fs.existsSync(path.join(dir, AMAZON))).toBe(false);
    expect(parts(dir)).toEqual([theirs]);
    slow.clear();
    const again = await edgar(['download', '--year', '2010', '--quarter', '1'], { FILINGS_DIR: dir, EDGAR_USER_AGENT: UA, EDGAR_BASE_URL: server.url, EDGAR_RATE_FILE: '' });
    expect(again.code, again.stderr).toBe(0);
    for (const r2 of rs) expect(server.requestsFor(r2.path), r2.path).toBe(r2.path === AMAZON ? 2 : 1);
    expect(fs.readFileSync(path.join(dir, AMAZON)).equals(files.get(AMAZON)!)).toBe(true);
  });
});
