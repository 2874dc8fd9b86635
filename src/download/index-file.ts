import { gunzipSync } from 'node:zlib';

/** One row of an EDGAR full index: a filing and where its full submission lives. */
export interface IndexEntry {
  cik: number;
  company: string;
  formType: string;
  /** YYYY-MM-DD (daily indexes write YYYYMMDD; normalized here). */
  filedAt: string;
  /** Path below /Archives/, e.g. edgar/data/320193/0001193125-10-012085.txt */
  path: string;
  accession: string;
}

export type IndexFormat = 'master' | 'form' | 'company';

export class IndexFormatError extends Error {
  override name = 'IndexFormatError';
}

/** EDGAR serves `.gz` indexes, and a mirror may gzip a `.idx`: trust the magic bytes, not the name. */
export function decodeIndex(body: Buffer): string {
  const raw = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
  // Company names are Latin-1 in old indexes; latin1 never throws and keeps ASCII intact.
  return raw.toString('latin1');
}

// The three right-hand columns are the same in every format and never contain spaces,
// so they are read from the right; only the name/form split depends on the format.
const TAIL = /^(.*?)\s+(\d{1,10})\s+(\d{4}-\d{2}-\d{2}|\d{8})\s+(edgar\/data\/\S+)\s*$/;
const ACCESSION = /(\d{10}-\d{2}-\d{6})\.(?:txt|nc)$/i;

/**
 * Parses master.idx (pipe-separated), form.idx and company.idx (fixed columns), quarterly
 * or daily. Rows that do not fit (a wrapped header, a blank line) are skipped, not guessed.
 */
export function parseIndex(text: string): { format: IndexFormat; entries: IndexEntry[] } {
  const lines = text.split(/\r?\n/);
  const dash = lines.findIndex((l) => /^-{20,}\s*$/.test(l));
  if (dash < 0) throw new IndexFormatError('not an EDGAR index: no header separator line (-----)');
  const head = lines.slice(Math.max(0, dash - 3), dash).join('\n');
  let format: IndexFormat;
  if (/CIK\|Company Name\|Form Type/i.test(head)) format = 'master';
  else if (/^Form Type\s+Company Name/im.test(head)) format = 'form';
  else if (/^Company Name\s+Form Type/im.test(head)) format = 'company';
  else throw new IndexFormatError('not an EDGAR index: unknown column header');
  const headerLine = lines.slice(0, dash).reverse().find((l) => /Company Name/.test(l)) ?? '';
  // Where the second column starts, from the header; overflowing names are handled below.
  const secondCol = format === 'form' ? headerLine.indexOf('Company Name') : headerLine.indexOf('Form Type');
  const entries: IndexEntry[] = [];
  for (let i = dash + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const row = format === 'master' ? masterRow(line) : fixedRow(line, format, secondCol);
    if (row) entries.push(row);
  }
  return { format, entries };
}

function masterRow(line: string): IndexEntry | null {
  const parts = line.split('|');
  if (parts.length !== 5) return null;
  const [cik, company, formType, date, file] = parts.map((p) => p.trim()) as [string, string, string, string, string];
  return entry(cik, company, formType, date, file);
}

function fixedRow(line: string, format: 'form' | 'company', secondCol: number): IndexEntry | null {
  const m = TAIL.exec(line);
  if (!m) return null;
  const left = m[1]!;
  let first: string;
  let second: string;
  // A column boundary is trusted only when a space sits right before it; a name that
  // overflows its column shifts the rest, and then the last run of 2+ spaces separates them.
  if (secondCol > 0 && left.length > secondCol && left[secondCol - 1] === ' ' && left[secondCol] !== ' ') {
    first = left.slice(0, secondCol).trim();
    second = left.slice(secondCol).trim();
  } else {
    const trimmed = left.trim();
    const cut = format === 'form' ? trimmed.search(/\s{2,}/) : lastGap(trimmed);
    if (cut < 0) return null;
    first = trimmed.slice(0, cut).trim();
    second = trimmed.slice(cut).trim();
  }
  const [formType, company] = format === 'form' ? [first, second] : [second, first];
  return entry(m[2]!, company, formType, m[3]!, m[4]!);
}

function lastGap(s: string): number {
  const all = [...s.matchAll(/\s{2,}/g)];
  return all.length ? all[all.length - 1]!.index! : -1;
}

function entry(cik: string, company: string, formType: string, date: string, file: string): IndexEntry | null {
  const acc = ACCESSION.exec(file);
  if (!/^\d+$/.test(cik) || !formType || !acc) return null;
  const filedAt = /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : date;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(filedAt)) return null;
  // Paths come from a downloaded file: only EDGAR's own shape may become a local path.
  if (!/^edgar\/data\/\d+\/[\w.-]+$/.test(file)) return null;
  return { cik: Number(cik), company, formType, filedAt, path: file, accession: acc[1]! };
}
