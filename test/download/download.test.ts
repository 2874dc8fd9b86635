import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIndex, selectFilings } from '../../src/download/index.js';
import { edgar, tempDir } from '../helpers.js';
import { archiveFor, DERIVED_MASTER, readDerivedMaster, startEdgarServer, type EdgarServer } from './edgar-server.js';

const UA = 'Edgar Tests tests@example.com';
let server: EdgarServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function env(filingsDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { FILINGS_DIR: filingsDir, EDGAR_USER_AGENT: UA, EDGAR_BASE_URL: server!.url, EDGAR_RATE_FILE: '', ...extra };
}

/** Every regular file below dir, relative, with the dot files (rate state, .part) apart. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

const expected = (sel: Parameters<typeof selectFilings>[1]): string[] =>
  selectFilings(parseIndex(fs.readFileSync(DERIVED_MASTER, 'latin1')).entries, sel).map((e) => e.path);

describe('edgar download against a local EDGAR', () => {
  it('selects by form and CIK, writes EDGAR\'s layout byte for byte, sends the User-Agent on every request', async () => {
    const rows = readDerivedMaster();
    const files = archiveFor(rows, 'master.idx');
    server = await startEdgarServer({ files });
    const dir = tempDir('edgar-dl-');
    const r = await edgar(['download', '--year', '2010', '--quarter', '1', '--form', '10-Q', '10-K', '--cik', '320193', '0001018724', '--json'], env(dir));
    expect(r.code, r.stderr).toBe(0);
    const want = expected({ forms: ['10-Q', '10-K'], ciks: [320193, 1018724] });
    expect(want).toEqual(['edgar/data/320193/0001193125-10-012085.txt', 'edgar/data/1018724/0001193125-10-016098.txt']);
    const got = filesUnder(dir).filter((f) => f.startsWith('edgar/data/'));
    expect(got).toEqual([...want].sort());
    for (const p of want) expect(fs.readFileSync(path.join(dir, p)).equals(files.get(p)!), p).toBe(true);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ selected: 2, fetched: 2, skipped: 0, notFound: [], failed: [], interrupted: false });
    expect(summary.bytes).toBe(want.reduce((n, p) => n + files.get(p)!.length, 0));
    // master.gz first (404 here), then master.idx, then the two filings; nothing else.
    expect(server.seen.slice(0, 2).map((s) => `${s.status} ${s.path}`)).toEqual([
      '404 edgar/full-index/2010/QTR1/master.gz',
      '200 edgar/full-index/2010/QTR1/master.idx',
    ]);
    expect(server.seen.slice(2).every((s) => s.status === 200)).toBe(true);
    expect(server.seen.slice(2).map((s) => s.path).sort()).toEqual([...want].sort());
    expect(server.seen.every((s) => s.userAgent === UA)).toBe(true);
    // The summary says what happened, on stderr.
    expect(r.stderr).toMatch(/2 fetched .* 0 already complete, 0 not found, 0 failed, of 2 selected/);
  });

  it('--limit takes the earliest filings; a gzip index and form.idx give the same selection; a re-run fetches nothing', async () => {
    const rows = readDerivedMaster();
    const want = expected({ forms: ['10-K'], limit: 6 });
    for (const indexName of ['master.gz', 'form.idx']) {
      server = await startEdgarServer({ files: archiveFor(rows, indexName) });
      const dir = tempDir('edgar-dl-');
      const r = await edgar(['download', '--year', '2010', '--quarter', '1', '--form', '10-K', '--limit', '6'], env(dir));
      expect(r.code, r.stderr).toBe(0);
      expect(filesUnder(dir).filter((f) => f.startsWith('edgar/data/')), indexName).toEqual([...want].sort());
      const again = await edgar(['download', '--year', '2010', '--quarter', '1', '--form', '10-K', '--limit', '6', '--json'], env(dir));
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ fetched: 0, skipped: 6 });
      // Each filing fetched once over both runs; the closed quarter's index came from the local copy the second time.
      for (const p of want) expect(server.requestsFor(p), p).toBe(1);
      expect(server.requestsFor(`edgar/full-index/2010/QTR1/${indexName}`)).toBe(1);
      expect(fs.existsSync(path.join(dir, 'edgar/full-index/2010/QTR1', indexName))).toBe(true);
      expect(server.seen.every((s) => s.userAgent === UA)).toBe(true);
      await server.close();
      server = null;
    }
  });

  it('refuses to run without a User-Agent, before any request', async () => {
    server = await startEdgarServer({ files: archiveFor(readDerivedMaster()) });
    const dir = tempDir('edgar-dl-');
    for (const ua of ['', 'Jane Doe']) {
      const r = await edgar(['download', '--year', '2010'], env(dir, { EDGAR_USER_AGENT: ua }));
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^edgar: .*User-Agent.*(SEC|email)/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // The queued mode checks it in the coordinator, before reading the index.
    const queued = await edgar(['coordinate', '--download', '--year', '2010', '--no-ai'], env(dir, { EDGAR_USER_AGENT: '', QUEUE_DIR: path.join(dir, '..', path.basename(dir) + '-queue') }));
    expect(queued.code).toBe(2);
    expect(queued.stderr.trim().split('\n')).toHaveLength(1);
    expect(queued.stderr).toMatch(/^edgar: no User-Agent: SEC refuses requests without a declared User-Agent/);
    const over = await edgar(['download', '--year', '2010'], env(dir, { EDGAR_RATE_LIMIT: '12' }));
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/^edgar: rate limit 12\/s is over SEC's fair-access ceiling of 10/);
    expect(server.seen).toEqual([]);
    expect(filesUnder(dir)).toEqual([]);
  });

  it('retries 429 (Retry-After in seconds or as a date) and 503, records 404 without retrying', async () => {
    const rows = readDerivedMaster().filter((r) => r.form === '10-K').slice(0, 4);
    const files = archiveFor(rows, 'master.idx');
    const [a, b, c, gone] = rows.map((r) => r.path) as [string, string, string, string];
    files.delete(gone);
    const soon = new Date(Date.now() + 2_000).toUTCString();
    server = await startEdgarServer({
      files,
      faults: new Map([
        [a, [{ status: 429, retryAfter: '1' }]],
        [b, [{ status: 503 }]],
        [c, [{ status: 503, retryAfter: soon }, { status: 429, retryAfter: '0' }]],
      ]),
    });
    const dir = tempDir('edgar-dl-');
    const r = await edgar(['download', '--year', '2010', '--quarter', '1', '--json'], env(dir));
    expect(r.code, r.stderr).toBe(1); // the 404
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ selected: 4, fetched: 3, failed: [] });
    expect(s.notFound.map((n: { accession: string }) => n.accession)).toEqual([path.basename(gone, '.txt')]);
    expect(r.stderr).toContain(`not found (404): ${path.basename(gone, '.txt')}`);
    expect(server.requestsFor(a)).toBe(2);
    expect(server.requestsFor(b)).toBe(2);
    expect(server.requestsFor(c)).toBe(3);
    expect(server.requestsFor(gone)).toBe(1);
    for (const p of [a, b, c]) expect(fs.readFileSync(path.join(dir, p)).equals(files.get(p)!)).toBe(true);
    expect(fs.existsSync(path.join(dir, gone))).toBe(false);
    // Retry-After is a floor: the next request for that file came no sooner than asked.
    const times = (p: string): number[] => server!.seen.filter((x) => x.path === p).map((x) => x.at);
    expect(times(a)[1]! - times(a)[0]!).toBeGreaterThanOrEqual(950);
    expect(times(c)[1]!).toBeGreaterThanOrEqual(Date.parse(soon) - 1_000); // HTTP dates have whole seconds
    expect(server.seen.every((x) => x.userAgent === UA)).toBe(true);
  });

  it('replaces a file cut short that sits where the filing belongs; keeps a complete one without asking', async () => {
    const rows = readDerivedMaster().filter((r) => r.form === '10-Q').slice(0, 2);
    const files = archiveFor(rows, 'master.idx');
    server = await startEdgarServer({ files });
    const dir = tempDir('edgar-dl-');
    const [cut, whole] = rows.map((r) => r.path) as [string, string];
    for (const p of [cut, whole]) fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, cut), files.get(cut)!.subarray(0, files.get(cut)!.length - 40));
    fs.writeFileSync(path.join(dir, whole), files.get(whole)!);
    const r = await edgar(['download', '--year', '2010', '--quarter', '1', '--json'], env(dir));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ fetched: 1, skipped: 1 });
    expect(fs.readFileSync(path.join(dir, cut)).equals(files.get(cut)!)).toBe(true);
    expect(server.requestsFor(cut)).toBe(1);
    expect(server.requestsFor(whole)).toBe(0);
  });

  it('an index that is not one (a mirror\'s error page) stops the run with one line naming it', async () => {
    server = await startEdgarServer({ files: new Map([['edgar/full-index/2010/QTR1/master.idx', Buffer.from('<html><body>Please log in</body></html>')]]) });
    const dir = tempDir('edgar-dl-');
    const r = await edgar(['download', '--year', '2010', '--quarter', '1'], env(dir));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^edgar: http:\/\/127\.0\.0\.1:\d+\/Archives\/edgar\/full-index\/2010\/QTR1\/master\.idx: not an EDGAR index/)]);
  });

  it('a run whose year has no index says so and exits 1', async () => {
    server = await startEdgarServer({ files: new Map() });
    const dir = tempDir('edgar-dl-');
    const r = await edgar(['download', '--year', '2010', '--quarter', '2'], env(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no index for 2010 QTR2 at http:\/\/127\.0\.0\.1:\d+\/Archives\/edgar\/full-index\/2010\/QTR2\//);
    expect(server.seen.map((s) => s.path.split('/').pop())).toEqual(['master.gz', 'master.idx', 'form.gz', 'form.idx', 'company.gz', 'company.idx']);
  });
});
