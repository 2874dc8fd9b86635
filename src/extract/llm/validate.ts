import { FACT_KINDS, ITEM_SCHEMAS, emptyAnswer, type ExtractionAnswer, type FactKind } from './schema.js';

/**
 * Every answer is checked before a fact reaches the graph. Peers either trusted the model
 * (duplicates, invented names) or dropped whole answers silently; here each item stands on
 * its own, what can be repaired is (and counted), what cannot is dropped with its reason.
 */

export interface Tally {
  kept: number;
  dropped: Record<string, number>;
  repaired: Record<string, number>;
}

export function newTally(): Tally {
  return { kept: 0, dropped: {}, repaired: {} };
}

export function addTally(into: Tally, from: Tally): void {
  into.kept += from.kept;
  for (const [k, v] of Object.entries(from.dropped)) into.dropped[k] = (into.dropped[k] ?? 0) + v;
  for (const [k, v] of Object.entries(from.repaired)) into.repaired[k] = (into.repaired[k] ?? 0) + v;
}

const bump = (rec: Record<string, number>, key: string): void => {
  rec[key] = (rec[key] ?? 0) + 1;
};

export interface Checked {
  answer: ExtractionAnswer;
  tally: Tally;
  /** The answer as a whole could not be read: nothing from it was kept. */
  unreadable?: string;
}

export interface CheckContext {
  /** The chunk the answer is about: names must appear in it. */
  text: string;
  /** The registrant's own names (normalized by the caller's function) that are not facts about it. */
  registrantKeys: Set<string>;
  normalizeCompany: (name: string) => string;
  /** Kinds whose facts another source states better, with the reason they are dropped. */
  excluded?: Partial<Record<FactKind, string>>;
}

export function checkAnswer(content: string, ctx: CheckContext): Checked {
  const tally = newTally();
  const answer = emptyAnswer();
  const parsed = parseLenient(content, tally);
  if (parsed === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const why = content.trim() === '' ? 'empty answer' : parsed === undefined ? 'malformed JSON' : 'not a JSON object';
    bump(tally.dropped, why);
    return { answer, tally, unreadable: why };
  }
  const obj = parsed as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!(FACT_KINDS as string[]).includes(key)) bump(tally.repaired, 'unknown field removed');
  const haystack = ` ${squash(ctx.text)} `;
  for (const kind of FACT_KINDS) {
    let list = obj[kind];
    if (list === undefined || list === null) {
      bump(tally.repaired, 'missing list taken as empty');
      continue;
    }
    if (!Array.isArray(list)) {
      bump(tally.repaired, 'single item wrapped in a list');
      list = [list];
    }
    const seen = new Set<string>();
    for (const raw of list as unknown[]) {
      const item = repairItem(kind, raw, tally);
      const res = ITEM_SCHEMAS[kind].safeParse(item);
      if (!res.success) {
        const issue = res.error.issues[0];
        const field = issue?.path.join('.') || 'item';
        const missing = issue !== undefined && issue.path.length > 0 && valueAt(item, issue.path) === undefined;
        bump(tally.dropped, `${kind}: ${field} ${missing ? 'missing' : 'invalid'}`);
        continue;
      }
      const fact = res.data as { name: string };
      fact.name = fact.name.replace(/\s+/g, ' ').trim();
      const why = pruneReason(kind, fact.name, haystack, ctx);
      if (why !== undefined) {
        bump(tally.dropped, `${kind}: ${why}`);
        continue;
      }
      const key = kind === 'people' ? squash(fact.name) : ctx.normalizeCompany(fact.name);
      if (seen.has(key)) {
        bump(tally.dropped, `${kind}: duplicate`);
        continue;
      }
      seen.add(key);
      const excluded = ctx.excluded?.[kind];
      if (excluded !== undefined) {
        bump(tally.dropped, `${kind}: ${excluded}`);
        continue;
      }
      (answer[kind] as unknown[]).push(fact);
      tally.kept++;
    }
  }
  return { answer, tally };
}

/** JSON.parse, then the repairs small models need: code fences, prose around the object, trailing commas. */
function parseLenient(content: string, tally: Tally): unknown {
  const text = content.trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // fall through to repairs
  }
  let t = text.replace(/^```(?:json)?\s*/i, '').replace(/```\s*$/, '');
  const first = t.indexOf('{');
  const last = t.lastIndexOf('}');
  if (first < 0 || last <= first) return undefined;
  t = t.slice(first, last + 1).replace(/,\s*([}\]])/g, '$1');
  try {
    const value = JSON.parse(t);
    bump(tally.repaired, 'JSON repaired');
    return value;
  } catch {
    return undefined;
  }
}

function repairItem(kind: FactKind, raw: unknown, tally: Tally): unknown {
  if (typeof raw === 'string' && kind !== 'people') {
    bump(tally.repaired, 'name given as a string');
    return kind === 'subsidiaries' ? { name: raw, jurisdiction: '' } : kind === 'acquisitions' ? { name: raw } : { name: raw };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const item = { ...(raw as Record<string, unknown>) };
  const allowed = KNOWN_FIELDS[kind];
  for (const key of Object.keys(item)) {
    if (!allowed.includes(key)) {
      delete item[key];
      bump(tally.repaired, 'unknown field removed');
    }
  }
  if (kind === 'people') {
    if (item.title === undefined || item.title === null) {
      item.title = '';
      bump(tally.repaired, 'missing title taken as ""');
    }
    if (item.role === undefined && typeof item.title === 'string') {
      item.role = /director|chairman|chairwoman|chair\b/i.test(item.title) ? (/officer|president|treasurer|secretary/i.test(item.title) ? 'both' : 'director') : 'officer';
      bump(tally.repaired, 'role inferred from title');
    }
  }
  if (kind === 'subsidiaries' && (item.jurisdiction === undefined || item.jurisdiction === null)) {
    item.jurisdiction = '';
    bump(tally.repaired, 'missing jurisdiction taken as ""');
  }
  if (typeof item.role === 'string') item.role = item.role.toLowerCase();
  if (typeof item.status === 'string') item.status = item.status.toLowerCase();
  return item;
}

const KNOWN_FIELDS: Readonly<Record<FactKind, readonly string[]>> = {
  people: ['name', 'title', 'role'],
  subsidiaries: ['name', 'jurisdiction'],
  auditors: ['name'],
  customers: ['name'],
  suppliers: ['name'],
  competitors: ['name'],
  acquisitions: ['name', 'status'],
};

const COMPANY_WORDS = /\b(inc|corp|corporation|co|llc|llp|lp|ltd|plc|company|n\.?a|s\.?a|gmbh|ag|bank|trust|fund|partners|group|holdings)\b\.?/i;

function pruneReason(kind: FactKind, name: string, haystack: string, ctx: CheckContext): string | undefined {
  if (name.length < 3 || name.length > 120) return 'implausible name';
  // The model may only copy names from the chunk: this drops invented names and names that
  // an instruction hidden elsewhere tried to plant.
  if (!haystack.includes(` ${squash(name)} `)) return 'not in the text';
  if (kind === 'people') {
    if (COMPANY_WORDS.test(name)) return 'a company, not a person';
    if (!/\s/.test(name)) return 'not a full name';
    return undefined;
  }
  if (ctx.registrantKeys.has(ctx.normalizeCompany(name))) return 'the registrant itself';
  return undefined;
}

function valueAt(value: unknown, pathParts: readonly PropertyKey[]): unknown {
  let cur = value;
  for (const part of pathParts) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

/** Case, accents, punctuation and spacing do not make two spellings different. */
function squash(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
