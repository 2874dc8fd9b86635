import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, type EdgarClient } from './http-client.js';
import { decodeIndex, IndexFormatError, parseIndex, type IndexEntry } from './index-file.js';

/**
 * Tried in this order, each only after the one before answered 404: master is the
 * smallest and pipe-separated (unambiguous); gzip saves most of the bytes. EDGAR names the
 * gzip files `master.gz`, not `master.idx.gz`.
 */
export const INDEX_NAMES = ['master.gz', 'master.idx', 'form.gz', 'form.idx', 'company.gz', 'company.idx'] as const;

export interface QuarterIndex {
  quarter: number;
  /** The archive path it came from, or null when the quarter has no index. */
  source: string | null;
  fromCache: boolean;
  entries: IndexEntry[];
}

/** A quarter's index stops changing once the quarter is over (with a day or two for late rows). */
export function quarterClosed(year: number, quarter: number, now = new Date()): boolean {
  const end = Date.UTC(year, quarter * 3, 1) + 2 * 86_400_000;
  return now.getTime() >= end;
}

export function quarterStarted(year: number, quarter: number, now = new Date()): boolean {
  return now.getTime() >= Date.UTC(year, (quarter - 1) * 3, 1);
}

/**
 * The quarter's full index. A closed quarter's index is kept under FILINGS_DIR in EDGAR's
 * layout (edgar/full-index/YYYY/QTRn/), so a resumed or repeated run does not fetch it again.
 */
export async function loadQuarterIndex(
  client: EdgarClient,
  filingsDir: string,
  year: number,
  quarter: number,
  signal?: AbortSignal,
): Promise<QuarterIndex> {
  const dir = `edgar/full-index/${year}/QTR${quarter}`;
  const cacheDir = path.join(filingsDir, ...dir.split('/'));
  const closed = quarterClosed(year, quarter);
  if (closed) {
    for (const name of INDEX_NAMES) {
      const cached = path.join(cacheDir, name);
      if (!fs.existsSync(cached)) continue;
      try {
        return { quarter, source: `${dir}/${name}`, fromCache: true, entries: parseIndex(decodeIndex(fs.readFileSync(cached))).entries };
      } catch {
        fs.rmSync(cached, { force: true }); // unreadable cache: fetch it again
      }
    }
  }
  for (const name of INDEX_NAMES) {
    let body: Buffer;
    try {
      body = await client.getBuffer(`${dir}/${name}`, signal);
    } catch (err) {
      if (err instanceof NotFoundError) continue;
      throw err;
    }
    let entries: IndexEntry[];
    try {
      entries = parseIndex(decodeIndex(body)).entries;
    } catch (err) {
      // A mirror's error page served with 200, say: name what was read.
      throw new IndexFormatError(`${client.url(`${dir}/${name}`)}: ${(err as Error).message}`);
    }
    if (closed) writeAtomically(path.join(cacheDir, name), body);
    return { quarter, source: `${dir}/${name}`, fromCache: false, entries };
  }
  return { quarter, source: null, fromCache: false, entries: [] };
}

function writeAtomically(file: string, body: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(3).toString('hex')}.part`);
  fs.writeFileSync(tmp, body);
  fs.renameSync(tmp, file);
}
