import { htmlFragmentText, type FilingDocument } from '../edgar/index.js';
import { normalizeCompanyName } from './normalize.js';

export interface Subsidiary {
  name: string;
  jurisdiction?: string;
}

/** Column titles of subsidiary tables ("Name of Subsidiary", "Jurisdiction of Incorporation", "Percent Owned"). */
const HEADER_CELL =
  /^(?:(?:legal|company|entity|subsidiary)\s+)?names?\b|^jurisdictions?\b|^(?:state|country|place)\s+(?:or|of)\b|^incorporation$|^percent|^%|^ownership|^organized\b/i;
/** Titles, notes and page furniture that share the table's layout but name no subsidiary. */
const NOT_A_NAME = /^(?:exhibit|page|table of contents)\b|^[*(\-[]|\bsubsidiaries\b|^(?:list of |significant )?subsidiary\b|:$/i;
const JURISDICTION = /^[A-Za-z][A-Za-z .,'()&-]*$/;
const MAX_NAME_LENGTH = 150;
const MAX_NAME_WORDS = 15;

/**
 * Subsidiaries listed in an EX-21 exhibit: HTML tables (a row per subsidiary, name then
 * jurisdiction cells) or plain-text columns (separated by tabs, runs of spaces or dotted
 * leaders). Heading rows, titles and footnotes are dropped.
 */
export function parseSubsidiaries(doc: Pick<FilingDocument, 'text' | 'isHtml'>): Subsidiary[] {
  const text = doc.text;
  if (text === undefined) return [];
  const lower = text.toLowerCase();
  let rows: string[][];
  if (findTag(lower, '<tr', 0) !== -1) rows = htmlRows(text, lower);
  else rows = (doc.isHtml ? htmlFragmentText(text) : text).split('\n').map(textColumns);
  return pickSubsidiaries(rows);
}

function pickSubsidiaries(rows: string[][]): Subsidiary[] {
  const found: Subsidiary[] = [];
  for (const cells of rows) {
    if (cells.length === 0 || cells.some((cell) => HEADER_CELL.test(cell))) continue;
    const name = cells[0] as string;
    if (!looksLikeName(name)) continue;
    const jurisdiction = cells.slice(1).find(looksLikeJurisdiction);
    found.push(jurisdiction === undefined ? { name } : { name, jurisdiction });
  }
  // Where most rows give a jurisdiction, a row without one is a heading ("Foreign", the
  // parent's name), not a subsidiary; in a names-only list every row counts.
  const withJurisdiction = found.filter((s) => s.jurisdiction !== undefined).length;
  const kept = withJurisdiction * 2 >= found.length ? found.filter((s) => s.jurisdiction !== undefined) : found;
  const seen = new Set<string>();
  return kept.filter((s) => {
    const key = normalizeCompanyName(s.name);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function looksLikeName(name: string): boolean {
  return (
    /[A-Za-z]/.test(name) &&
    name.length <= MAX_NAME_LENGTH &&
    name.split(' ').length <= MAX_NAME_WORDS &&
    !NOT_A_NAME.test(name)
  );
}

function looksLikeJurisdiction(cell: string): boolean {
  return cell.length <= 60 && cell.split(' ').length <= 6 && JURISDICTION.test(cell);
}

/** Index of `tag` (e.g. "<tr") as a whole tag name, not a prefix of a longer one ("<track"). */
function findTag(lower: string, tag: string, from: number): number {
  let at = lower.indexOf(tag, from);
  while (at !== -1) {
    const next = lower.charCodeAt(at + tag.length);
    if (next === 0x3e /* > */ || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d) return at;
    at = lower.indexOf(tag, at + tag.length);
  }
  return -1;
}

/** Rows of every table, each as its non-empty cell texts. Scans with indexOf: exhibits can be large. */
function htmlRows(html: string, lower: string): string[][] {
  const rows: string[][] = [];
  let start = findTag(lower, '<tr', 0);
  while (start !== -1) {
    const next = findTag(lower, '<tr', start + 3);
    const tableEnd = lower.indexOf('</table', start);
    let end = next === -1 ? html.length : next;
    if (tableEnd !== -1 && tableEnd < end) end = tableEnd;
    rows.push(htmlCells(html.slice(start, end), lower.slice(start, end)));
    start = next;
  }
  return rows;
}

function htmlCells(row: string, lower: string): string[] {
  const starts: number[] = [];
  for (const tag of ['<td', '<th']) {
    for (let at = findTag(lower, tag, 0); at !== -1; at = findTag(lower, tag, at + 3)) starts.push(at);
  }
  starts.sort((a, b) => a - b);
  const cells: string[] = [];
  starts.forEach((start, i) => {
    const contentStart = row.indexOf('>', start) + 1;
    const cell = cellText(row.slice(contentStart, starts[i + 1] ?? row.length));
    if (cell !== '') cells.push(cell);
  });
  return cells;
}

function cellText(html: string): string {
  const stripped = html.replace(/<[^>]*>/g, ' ');
  const decoded = stripped.includes('&') ? htmlFragmentText(stripped) : stripped;
  return decoded.replace(/[\s\u00a0]+/g, ' ').trim();
}

/**
 * A text line's columns: split at tabs, at runs of two or more spaces, and at dotted
 * leaders (three or more dots, possibly spaced: "Foo Inc. . . . . Delaware").
 */
export function textColumns(line: string): string[] {
  const s = line.trim();
  const columns: string[] = [];
  let current = '';
  const flush = (): void => {
    const column = current.trim();
    if (column !== '') columns.push(column);
    current = '';
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '\t' || (c === ' ' && s[i + 1] === ' ')) {
      flush();
      while (s[i] === ' ' || s[i] === '\t') i++;
    } else if (c === '.') {
      let j = i;
      let dots = 0;
      while (s[j] === '.' || (s[j] === ' ' && s[j + 1] === '.')) {
        if (s[j] === '.') dots++;
        j++;
      }
      if (dots >= 3) {
        // "Inc. . . ." / "B.V. ....": the first dot, glued to the word and followed by a blank, ends an abbreviation.
        if (i > 0 && s[i - 1] !== ' ' && s[i + 1] === ' ') current += '.';
        flush();
      } else {
        current += s.slice(i, j);
      }
      i = j;
    } else {
      current += c;
      i++;
    }
  }
  flush();
  return columns;
}
