import { QueueError } from './errors.js';

/**
 * File names carry everything a claimer needs before it opens the file: priority, due
 * time, job id, attempts made, and for a claim its owner. Fixed widths make the lexical
 * order the run order (priority, then due time, then id), so a sorted listing is the plan.
 *
 *   pending/     <P>-<DUE>-<ID>~<ATTEMPTS>.json
 *   processing/  <P>-<DUE>-<ID>~<ATTEMPT>~<WORKER>~<NONCE>.json
 *   completed/, failed/   <ID>.json
 *
 * P is one digit (1 high, 5 normal, 9 low), DUE is epoch milliseconds on 13 digits, ID is
 * the job id with every byte outside [A-Za-z0-9._-] written as %HH. The attempt number in
 * the name is the truth: a reaper or a hand-back changes it by renaming, without rewriting
 * the file, which is what keeps those transitions single atomic steps.
 */

export type Priority = 'high' | 'normal' | 'low';
export const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];
const PRIORITY_DIGIT: Record<Priority, string> = { high: '1', normal: '5', low: '9' };
const DIGIT_PRIORITY: Record<string, Priority> = { '1': 'high', '5': 'normal', '9': 'low' };

export const MAX_ID_LENGTH = 150;
const DUE_WIDTH = 13;
const SAFE = /^[A-Za-z0-9_.-]$/;

// Ids that need no escaping (accession numbers, most ids) skip the byte-by-byte walk: it
// runs for every enqueue, claim and completion.
const PLAIN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export function encodeId(id: string): string {
  if (id.length === 0) throw new QueueError('a job id must not be empty');
  if (id.length <= MAX_ID_LENGTH && PLAIN.test(id)) return id;
  let out = '';
  for (const ch of id) {
    if (SAFE.test(ch) && !(out === '' && ch === '.')) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  if (out.length > MAX_ID_LENGTH) throw new QueueError(`job id too long (${out.length} > ${MAX_ID_LENGTH} characters once encoded): ${id.slice(0, 40)}…`);
  return out;
}

export function decodeId(encoded: string): string {
  return encoded.includes('%') ? decodeURIComponent(encoded) : encoded;
}

/** Worker ids end up in file names: keep them to a safe alphabet. */
export function sanitizeWorkerId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return clean.length > 0 ? clean : 'worker';
}

function dueField(dueMs: number): string {
  const ms = Math.max(0, Math.floor(dueMs));
  return String(ms).padStart(DUE_WIDTH, '0');
}

export interface PendingName {
  priority: Priority;
  dueMs: number;
  id: string;
  attempts: number;
}

export interface ClaimedName extends PendingName {
  /** The attempt this claim runs (attempts made before it + 1). */
  attempt: number;
  worker: string;
  nonce: string;
}

export function pendingName(p: PendingName): string {
  return `${PRIORITY_DIGIT[p.priority]}-${dueField(p.dueMs)}-${encodeId(p.id)}~${p.attempts}.json`;
}

export function claimedName(pending: PendingName, worker: string, nonce: string): string {
  return `${PRIORITY_DIGIT[pending.priority]}-${dueField(pending.dueMs)}-${encodeId(pending.id)}~${pending.attempts + 1}~${worker}~${nonce}.json`;
}

export function finishedName(id: string): string {
  return `${encodeId(id)}.json`;
}

export const isJobFileName = (name: string): boolean => name.endsWith('.json') && !name.startsWith('.');

interface BaseParts {
  priority: Priority;
  dueMs: number;
  id: string;
  rest: string[];
}

const DIGITS = /^\d+$/;

/** Read in place rather than split (it runs on every claim and every listing). */
function parseBase(name: string): BaseParts | null {
  if (!name.endsWith('.json')) return null;
  const end = name.length - 5;
  const tilde = name.indexOf('~');
  const baseEnd = tilde === -1 || tilde > end ? end : tilde;
  if (baseEnd <= 3 + DUE_WIDTH) return null;
  const priority = DIGIT_PRIORITY[name[0] as string];
  if (!priority || name[1] !== '-' || name[2 + DUE_WIDTH] !== '-') return null;
  const due = name.slice(2, 2 + DUE_WIDTH);
  if (!DIGITS.test(due)) return null;
  let id: string;
  try {
    id = decodeId(name.slice(3 + DUE_WIDTH, baseEnd));
  } catch {
    return null;
  }
  return { priority, dueMs: Number(due), id, rest: baseEnd === end ? [] : name.slice(baseEnd + 1, end).split('~') };
}

const isCount = (s: string | undefined): s is string => s !== undefined && /^\d{1,6}$/.test(s);

export function parsePendingName(name: string): PendingName | null {
  const b = parseBase(name);
  if (!b || b.rest.length !== 1 || !isCount(b.rest[0])) return null;
  return { priority: b.priority, dueMs: b.dueMs, id: b.id, attempts: Number(b.rest[0]) };
}

export function parseClaimedName(name: string): ClaimedName | null {
  const b = parseBase(name);
  if (!b || b.rest.length !== 3 || !isCount(b.rest[0])) return null;
  const attempt = Number(b.rest[0]);
  if (attempt < 1) return null;
  return {
    priority: b.priority,
    dueMs: b.dueMs,
    id: b.id,
    attempts: attempt - 1,
    attempt,
    worker: b.rest[1] ?? '',
    nonce: b.rest[2] ?? '',
  };
}

/** The id a finished file stands for (completed/ and failed/ are keyed by id). */
export function parseFinishedName(name: string): string | null {
  if (!isJobFileName(name)) return null;
  try {
    return decodeId(name.slice(0, -5));
  } catch {
    return null;
  }
}

/** Best-effort id for a file whose name does not follow the scheme (quarantine, status). */
export function idFromAnyName(name: string): string {
  const parsed = parseClaimedName(name) ?? parsePendingName(name);
  if (parsed) return parsed.id;
  const stem = name.endsWith('.json') ? name.slice(0, -5) : name;
  return stem.split('~')[0] || stem || 'unnamed';
}
