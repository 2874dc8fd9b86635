import * as fs from 'node:fs';
import * as path from 'node:path';
import { FilingParseError, parseSubmissionText } from '../edgar/index.js';

/** What the coordinator needs of a filing, read from its header alone. */
export interface FilingRef {
  path: string;
  accession: string;
  formType: string;
  filedAt: string;
}

export interface ScanResult {
  filings: FilingRef[];
  /** Files that look like submissions by name but whose header could not be read (the coordinator queues them to fail with this reason). */
  unreadable: { path: string; reason: string }[];
}

const HEADER_BYTES = 64 * 1024;

/** Every *.txt / *.nc below dir, whatever the layout (EDGAR's, sec-edgar-downloader's, flat). */
export function* walkFilings(dir: string): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walkFilings(p);
    else if (e.isFile() && /\.(txt|nc)$/i.test(e.name)) yield p;
  }
}

/**
 * Reads the first 64 KB and parses the header only (up to the first document), so a scan of
 * thousands of multi-megabyte filings costs one small read each.
 */
export function readFilingHeader(file: string): FilingRef {
  const fd = fs.openSync(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = fs.readSync(fd, buf, 0, HEADER_BYTES, 0);
    text = buf.subarray(0, n).toString('latin1');
  } finally {
    fs.closeSync(fd);
  }
  const cut = text.search(/<DOCUMENT>/i);
  const sub = parseSubmissionText(cut >= 0 ? text.slice(0, cut) : text, { source: file, keepText: () => false });
  if (!sub.filedAt) throw new FilingParseError('TRUNCATED', file, 'the header has no FILED AS OF DATE');
  return { path: file, accession: sub.accession, formType: sub.formType, filedAt: sub.filedAt };
}

/**
 * Filings of a year (and forms), by their own headers, in a stable order: filing date,
 * then accession. Unreadable files are reported apart, with the reason.
 */
export function scanFilings(dir: string, opts: { year?: number; forms?: string[] }): ScanResult {
  const forms = opts.forms?.map((f) => f.toUpperCase());
  const filings: FilingRef[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const file of walkFilings(dir)) {
    let ref: FilingRef;
    try {
      ref = readFilingHeader(file);
    } catch (err) {
      unreadable.push({ path: file, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (opts.year !== undefined && !ref.filedAt.startsWith(`${opts.year}-`)) continue;
    if (forms && !forms.includes(ref.formType.toUpperCase())) continue;
    if (seen.has(ref.accession)) continue; // the same filing saved twice (.txt and .nc)
    seen.add(ref.accession);
    filings.push(ref);
  }
  filings.sort((a, b) => (a.filedAt === b.filedAt ? a.accession.localeCompare(b.accession) : a.filedAt.localeCompare(b.filedAt)));
  return { filings, unreadable };
}
