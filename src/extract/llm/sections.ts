import { createHash } from 'node:crypto';
import { documentPlainText, type DocumentMeta, type FilingDocument, type Submission } from '../../edgar/index.js';

/**
 * Which parts of a filing go to the LLM. A 10-K is often a megabyte of text; the facts
 * sought sit in a few sections (officers, Item 10, the signatures, the auditor's report,
 * Item 1's customers, suppliers and competition, an 8-K's Items 1.01, 2.01 and 5.02).
 * Sending only those keeps a filing to a few calls and each call inside the context
 * window, which Ollama would otherwise truncate silently (it keeps the prompt's end).
 */

export interface Chunk {
  /** Position among this filing's chunks. */
  index: number;
  /** What the chunk was cut for, e.g. "executive officers; signatures". */
  section: string;
  documentType: string;
  text: string;
  /** sha256 of the chunk's text (the cache key hashes the whole request, this text included). */
  hash: string;
  /** sha256 of the whole document the chunk was cut from. */
  documentHash: string;
  /** The text names people with officer titles: an empty list of people for it is suspicious. */
  namesPeople: boolean;
}

export interface ChunkOptions {
  /** Largest chunk, in characters (from the context window less prompt and answer). */
  maxChars: number;
  /** At most this many chunks per filing, most valuable sections first. */
  maxChunks: number;
}

/** Forms whose prose holds what the rules cannot read. Ownership forms are XML the rules read whole. */
const PROSE_FORMS = /^(10-K|10-KSB|10-K405|10-KT|20-F|40-F|8-K|DEF 14A|S-1|S-4|10-12B|10-12G)(\/A)?$/i;

export function formWantsLlm(formType: string): boolean {
  return PROSE_FORMS.test(formType.trim());
}

/**
 * The documents worth reading: the main document and press releases. Exhibit 21 is the
 * rules' (a table, read exactly), and XBRL, images, archives and PDFs never carry prose.
 */
export function isLlmDocument(meta: DocumentMeta, formType?: string): boolean {
  const type = meta.type.trim().toUpperCase();
  if (formType !== undefined && type === formType.trim().toUpperCase()) return true;
  if (PROSE_FORMS.test(type)) return true;
  return /^EX-99(\.\d+)?$/.test(type);
}

interface SectionRule {
  name: string;
  /** Matched against short, heading-like lines. */
  heading: RegExp;
  /** Lower is sent first when there are more sections than chunks. */
  rank: number;
}

const SECTION_RULES: readonly SectionRule[] = [
  { name: 'executive officers', heading: /executive officers|directors,? executive officers|item\s*10\b|^\s*management\s*$/i, rank: 0 },
  { name: 'signatures', heading: /^\s*signatures?\s*$/i, rank: 1 },
  { name: 'officer changes', heading: /item\s*5\.02|departure of directors|appointment of|election of directors/i, rank: 1 },
  { name: 'acquisitions', heading: /item\s*2\.01|item\s*1\.01|completion of acquisition|definitive agreement|acquisitions?\b|mergers?\b/i, rank: 2 },
  { name: 'auditor', heading: /independent registered public accounting firm|independent (certified )?(public )?accountants|report of independent|item\s*14\b/i, rank: 3 },
  { name: 'customers and suppliers', heading: /customers|suppliers|raw materials|sources and availability/i, rank: 4 },
  { name: 'competition', heading: /competition|competitors/i, rank: 5 },
  { name: 'subsidiaries', heading: /subsidiaries/i, rank: 6 },
];

/** A new "Item N." heading ends the section before it. */
const ITEM_HEADING = /^\s*item\s+\d{1,2}[a-z]?(\.\d{2})?\b/i;
/** One section's window never exceeds this, whatever the context allows: later text is rarely about it. */
const SECTION_CAP_CHARS = 12_000;

const OFFICER_TITLE = /\b(chief\s+\w+\s+officer|president|vice\s+president|treasurer|secretary|chairman|chairwoman|chair\b|director|controller|general counsel)/i;
const PERSON_NAME = /\b[A-Z][a-z]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z'\u2019-]+){1,2}\b/;

export interface ChunkPlan {
  chunks: Chunk[];
  /** Sections found but not sent because the filing reached maxChunks ("10-K competition"). */
  skipped: string[];
  /** Paragraphs not sent because they read as instructions to a model (see defuse). */
  instructionsRemoved: number;
}

/** A window smaller than this is a table-of-contents line or a cross-reference, not a section. */
const MIN_SECTION_CHARS = 300;

export function chunkFiling(sub: Submission, opts: ChunkOptions): ChunkPlan {
  const plan: ChunkPlan = { chunks: [], skipped: [], instructionsRemoved: 0 };
  if (!formWantsLlm(sub.formType)) return plan;
  const hasEx21 = sub.documents.some((d) => d.type.toUpperCase().startsWith('EX-21'));
  const windows: Window[] = [];
  const docHashes = new Map<FilingDocument, string>();
  for (const doc of sub.documents) {
    if (doc.skipped !== undefined || doc.text === undefined || !isLlmDocument(doc, sub.formType)) continue;
    docHashes.set(doc, createHash('sha256').update(doc.text).digest('hex'));
    const { lines, removed } = defuse(proseLines(doc));
    plan.instructionsRemoved += removed;
    const found = sectionWindows(doc, lines, hasEx21).filter((w) => windowChars(w) >= MIN_SECTION_CHARS);
    windows.push(...found);
    if (/^EX-99/i.test(doc.type) || /^8-K/i.test(doc.type)) {
      // An 8-K or press release is short and about one event, whatever its headings: send
      // it from the top (up to the section cap); overlapping windows merge into it.
      let end = 0;
      for (let chars = 0; end < lines.length && chars < SECTION_CAP_CHARS; end++) chars += (lines[end] as string).length + 1;
      windows.push({ doc, lines, start: 0, end, names: ['announcement'], rank: 2 });
    }
  }
  const merged = mergeWindows(windows).sort((a, b) => a.rank - b.rank || a.doc.index - b.doc.index || a.start - b.start);
  // Small sections share a chunk (each call carries the ~1k-token instructions, so a call per
  // 300-character section would mostly pay for the prompt); the most valuable come first.
  const bins: Array<{ doc: FilingDocument; parts: string[]; names: string[]; size: number }> = [];
  for (const w of merged) {
    for (const text of pack(w.lines.slice(w.start, w.end), opts.maxChars)) {
      const bin = bins.find((b) => b.doc === w.doc && b.size + text.length + 2 <= opts.maxChars);
      if (bin !== undefined) {
        bin.parts.push(text);
        bin.size += text.length + 2;
        for (const n of w.names) if (!bin.names.includes(n)) bin.names.push(n);
      } else {
        bins.push({ doc: w.doc, parts: [text], names: [...w.names], size: text.length });
      }
    }
  }
  for (const bin of bins) {
    if (plan.chunks.length >= opts.maxChunks) {
      for (const n of bin.names) plan.skipped.push(`${bin.doc.type} ${n}`);
      continue;
    }
    const text = bin.parts.join('\n\n');
    plan.chunks.push({
      index: plan.chunks.length,
      section: bin.names.join('; '),
      documentType: bin.doc.type,
      text,
      hash: createHash('sha256').update(text).digest('hex'),
      documentHash: docHashes.get(bin.doc) as string,
      namesPeople: bin.names.some((n) => n === 'executive officers' || n === 'signatures') && namesPeople(text),
    });
  }
  plan.skipped = [...new Set(plan.skipped)];
  return plan;
}

interface Window {
  doc: FilingDocument;
  lines: string[];
  start: number;
  end: number;
  names: string[];
  rank: number;
}

function windowChars(w: Window): number {
  let n = 0;
  for (let i = w.start; i < w.end; i++) n += (w.lines[i] as string).trim().length;
  return n;
}

/**
 * The document as lines of prose: tables of numbers (financial statements, the XBRL-era
 * cover page's check boxes) cost tokens and hold no names, so lines that are mostly digits
 * and punctuation go.
 */
export function proseLines(doc: Pick<FilingDocument, 'text' | 'isHtml'>): string[] {
  const text = documentPlainText(doc) ?? '';
  const out: string[] = [];
  let blank = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '').replace(/[ \t]{3,}/g, '   ');
    if (line.trim() === '') {
      if (!blank && out.length > 0) out.push('');
      blank = true;
      continue;
    }
    if (isNumberLine(line)) continue;
    out.push(line);
    blank = false;
  }
  return out;
}

function isNumberLine(line: string): boolean {
  const t = line.replace(/\s+/g, '');
  if (t.length < 12) return false;
  const numeric = t.replace(/[^0-9$%(),.\-]/g, '').length;
  return numeric / t.length > 0.5;
}

/**
 * A heading: a short line on its own (after a blank line), not ending like a sentence, in
 * title or upper case. Wrapped prose that happens to mention "customers" is not one.
 */
function isHeading(lines: string[], i: number): boolean {
  const t = (lines[i] as string).trim();
  if (t.length < 3 || t.length > 110) return false;
  if (i > 0 && (lines[i - 1] as string).trim() !== '') return false;
  if (/[,;:]$/.test(t)) return false;
  if (/[.!?]$/.test(t) && !ITEM_HEADING.test(t)) return false;
  const words = t.split(/\s+/).filter((w) => /^[A-Za-z]/.test(w) && w.length > 3);
  if (words.length === 0) return true;
  const capital = words.filter((w) => /^[A-Z]/.test(w)).length;
  return capital / words.length >= 0.6;
}

function sectionWindows(doc: FilingDocument, lines: string[], hasEx21: boolean): Window[] {
  const out: Window[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!isHeading(lines, i)) continue;
    for (const rule of SECTION_RULES) {
      if (rule.name === 'subsidiaries' && hasEx21) continue;
      if (!rule.heading.test(line)) continue;
      let end = i + 1;
      let chars = line.length;
      while (end < lines.length && chars < SECTION_CAP_CHARS) {
        if (end > i + 1 && ITEM_HEADING.test(lines[end]!) && isHeading(lines, end)) break;
        chars += lines[end]!.length + 1;
        end++;
      }
      out.push({ doc, lines, start: i, end, names: [rule.name], rank: rule.rank });
      break;
    }
  }
  return out;
}

/** Overlapping windows of one document become one, keeping every name and the best rank. */
function mergeWindows(windows: Window[]): Window[] {
  const byDoc = new Map<FilingDocument, Window[]>();
  for (const w of windows) byDoc.set(w.doc, [...(byDoc.get(w.doc) ?? []), w]);
  const out: Window[] = [];
  for (const list of byDoc.values()) {
    list.sort((a, b) => a.start - b.start);
    let cur: Window | undefined;
    for (const w of list) {
      if (cur !== undefined && w.start <= cur.end) {
        cur.end = Math.max(cur.end, w.end);
        for (const n of w.names) if (!cur.names.includes(n)) cur.names.push(n);
        cur.rank = Math.min(cur.rank, w.rank);
      } else {
        if (cur !== undefined) out.push(cur);
        cur = { ...w, names: [...w.names] };
      }
    }
    if (cur !== undefined) out.push(cur);
  }
  return out;
}

/** Lines into texts of at most maxChars, cut at blank lines when possible; overlong lines are cut. */
function pack(lines: string[], maxChars: number): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let size = 0;
  let lastBlank = -1;
  const flush = (upTo: number): void => {
    const take = cur.slice(0, upTo);
    const text = take.join('\n').trim();
    if (text !== '') out.push(text);
    cur = cur.slice(upTo);
    size = cur.reduce((n, l) => n + l.length + 1, 0);
    lastBlank = -1;
  };
  for (const raw of lines) {
    for (let line = raw; ; ) {
      const piece = line.length > maxChars ? line.slice(0, maxChars) : line;
      if (size + piece.length + 1 > maxChars && cur.length > 0) flush(lastBlank > 0 ? lastBlank : cur.length);
      if (size + piece.length + 1 > maxChars && cur.length > 0) flush(cur.length);
      cur.push(piece);
      size += piece.length + 1;
      if (piece === '') lastBlank = cur.length - 1;
      if (line.length <= maxChars) break;
      line = line.slice(maxChars);
    }
  }
  flush(cur.length);
  return out;
}

/**
 * Text addressed to a model has no business in a filing. The prompt already declares the
 * excerpt data and the grammar bounds the answer's shape, but a small model can still be
 * talked into listing a planted name; a paragraph that reads as an instruction to a model
 * is therefore not sent at all, and counted, so the job's result shows it.
 */
const INSTRUCTION_LIKE = [
  /\b(ignore|disregard|forget)\b[^.]{0,40}\b(instructions?|schema|prompt|above|previous)\b/i,
  /\byou are (now )?(an? |in )?(ai|assistant|language model|chatbot|admin mode|developer mode)\b/i,
  /\b(system|developer) (prompt|message|notice)s?\b/i,
  /\b(note|message|instructions?) (to|for) (the |any )?(ai|llm|language model|assistant|chatbot|model)\b/i,
  /\b(ai|llm|language model|assistant|chatbot)s? (reading|processing|parsing|summari[sz]ing|extracting)\b/i,
  /<\/?filing_text>/i,
];

export function defuse(lines: string[]): { lines: string[]; removed: number } {
  // Paragraphs, not lines: an instruction wrapped over two lines must be seen whole.
  const out: string[] = [];
  let removed = 0;
  let para: string[] = [];
  const flush = (): void => {
    if (para.length === 0) return;
    const joined = para.map((l) => l.trim()).join(' ');
    if (INSTRUCTION_LIKE.some((re) => re.test(joined))) removed++;
    else out.push(...para);
    para = [];
  };
  for (const line of lines) {
    if (line.trim() === '') {
      flush();
      out.push(line);
    } else para.push(line);
  }
  flush();
  return { lines: out, removed };
}

function namesPeople(text: string): boolean {
  let hits = 0;
  for (const line of text.split('\n')) {
    if (OFFICER_TITLE.test(line) && PERSON_NAME.test(line)) hits++;
    if (hits >= 2) return true;
  }
  return false;
}
