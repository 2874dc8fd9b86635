import type { IndexEntry } from './index-file.js';

export interface Selection {
  forms?: string[];
  ciks?: number[];
  limit?: number;
}

/**
 * The filings to fetch, earliest first (filing date, then accession), as `coordinate
 * --limit` counts them. A joint filing is listed once per filer but is one submission:
 * it is kept once, under the path of the first matching filer (the lowest CIK), so a
 * re-run picks the same path and finds it already there.
 */
export function selectFilings(entries: IndexEntry[], sel: Selection): IndexEntry[] {
  const forms = sel.forms?.length ? new Set(sel.forms.map((f) => f.trim().toUpperCase())) : null;
  const ciks = sel.ciks?.length ? new Set(sel.ciks) : null;
  const byAccession = new Map<string, IndexEntry>();
  for (const e of entries) {
    if (forms && !forms.has(e.formType.toUpperCase())) continue;
    if (ciks && !ciks.has(e.cik)) continue;
    const seen = byAccession.get(e.accession);
    if (!seen || e.cik < seen.cik) byAccession.set(e.accession, e);
  }
  const out = [...byAccession.values()].sort((a, b) =>
    a.filedAt === b.filedAt ? a.accession.localeCompare(b.accession) : a.filedAt.localeCompare(b.filedAt),
  );
  return sel.limit !== undefined ? out.slice(0, sel.limit) : out;
}

/** `--cik 320193` or `--cik 0000320193`: CIKs compare as numbers. */
export function parseCik(text: string): number | null {
  const t = text.trim();
  return /^\d{1,10}$/.test(t) ? Number(t) : null;
}
