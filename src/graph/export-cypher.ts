/**
 * A Cypher script for `cypher-shell -f`: key constraints first, then one MERGE per node and
 * per relationship, in `:begin`/`:commit` batches. Running it twice changes nothing: nodes
 * MERGE on their key; relationships MERGE on type, endpoints and the RELATIONSHIP_IDENTITY
 * properties, and SET the rest.
 *
 * Values are spliced into the text as literals (a script has no parameters to bind), so
 * escaping is the whole of the safety: see `cypherString`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AtomicFile } from './atomic-file.js';
import { nodeId, RELATIONSHIP_IDENTITY, type GraphRelationship, type PropValue, type Props } from './fragment.js';
import type { MergedGraph } from './merge.js';

const BATCH = 500;
const SCRIPT_NAME = 'graph.cypher';

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A single-quoted Cypher string literal holding exactly `value`, in pure ASCII:
 * - `\` and `'` are backslash-escaped; newline, CR, tab, backspace, form feed as `\n` etc.;
 * - other control characters and everything outside printable ASCII as `\uXXXX` (UTF-16
 *   units, so astral characters become a surrogate pair), so the file's encoding cannot
 *   matter to cypher-shell;
 * - `;` as `\u003B`, so no statement splitter can cut a statement inside a literal;
 * - a `u`/`U` right after a backslash as `\u0075`/`\u0055`: Cypher reads `\uXXXX` escapes
 *   early, and this keeps a data backslash followed by "u0041" from ever becoming an "A".
 * `$`, braces, backticks and `//` need nothing: inside a string literal they are text.
 */
export function cypherString(value: string): string {
  let out = "'";
  let afterBackslash = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const code = value.charCodeAt(i);
    const simple = SIMPLE_ESCAPES[c];
    if (afterBackslash && (c === 'u' || c === 'U')) out += unicodeEscape(code);
    else if (simple !== undefined) out += simple;
    else if (code < 0x20 || code > 0x7e || c === ';') out += unicodeEscape(code);
    else out += c;
    afterBackslash = c === '\\';
  }
  return `${out}'`;
}

/** A label, type or property name, backtick-quoted with backticks doubled. */
export function cypherName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export function cypherValue(value: PropValue): string {
  if (Array.isArray(value)) return `[${value.map((v) => cypherString(String(v))).join(', ')}]`;
  if (typeof value === 'string') return cypherString(value);
  if (typeof value === 'number') {
    // JSON has no NaN or Infinity, but a hand-edited fragment is not JSON-checked here.
    if (!Number.isFinite(value)) return 'null';
    // Past 2^53 a JS number is no exact integer (and past 2^63 no Cypher INTEGER): write a FLOAT.
    return Number.isSafeInteger(value) || !Number.isInteger(value) ? String(value).replace('e+', 'e') : value.toExponential().replace('e+', 'e');
  }
  return value ? 'true' : 'false';
}

export function cypherMap(props: Props): string {
  const entries = Object.entries(props).map(([k, v]) => `${cypherName(k)}: ${cypherValue(v)}`);
  return `{${entries.join(', ')}}`;
}

export function constraintStatement(label: string): string {
  return `CREATE CONSTRAINT IF NOT EXISTS FOR (n:${cypherName(label)}) REQUIRE n.${cypherName('key')} IS UNIQUE;`;
}

export function nodeStatement(label: string, key: string, props: Props): string {
  const { key: _ignored, ...rest } = props;
  const merge = `MERGE (n:${cypherName(label)} {${cypherName('key')}: ${cypherString(key)}})`;
  return Object.keys(rest).length === 0 ? `${merge};` : `${merge} SET n += ${cypherMap(rest)};`;
}

export function relationshipStatement(rel: GraphRelationship): string {
  const identityNames = RELATIONSHIP_IDENTITY[rel.type] ?? [];
  const identity: Props = {};
  const rest: Props = {};
  for (const [k, v] of Object.entries(rel.props)) if (!identityNames.includes(k)) rest[k] = v;
  // A missing identity value is written as '' (as relationshipId and the Neo4j writer read
  // it): MERGE without the property would match, and merge into, a dated relationship.
  for (const k of identityNames) identity[k] = String(rel.props[k] ?? '');
  const end = (variable: string, ref: { label: string; key: string }): string =>
    `MATCH (${variable}:${cypherName(ref.label)} {${cypherName('key')}: ${cypherString(ref.key)}})`;
  const identityMap = Object.keys(identity).length > 0 ? ` ${cypherMap(identity)}` : '';
  const merge = `${end('a', rel.from)} ${end('b', rel.to)} MERGE (a)-[r:${cypherName(rel.type)}${identityMap}]->(b)`;
  return Object.keys(rest).length === 0 ? `${merge};` : `${merge} SET r += ${cypherMap(rest)};`;
}

export interface CypherExport {
  file: string;
  command: string;
  constraints: number;
  nodes: number;
  relationships: number;
  danglingRelationships: number;
}

export function exportCypher(graph: MergedGraph, outDir: string): CypherExport {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, SCRIPT_NAME);
  const command = `cypher-shell -u neo4j -p <password> [-d <database>] -f ${file}`;
  const nodes = [...graph.nodes.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const labels = [...new Set(nodes.map((n) => n.label))];
  const rels = [...graph.relationships.values()].filter((r) => graph.nodes.has(nodeId(r.from)) && graph.nodes.has(nodeId(r.to)));
  const out = new AtomicFile(file);
  try {
    out.line(`// Written by \`edgar graph export --format cypher\`: ${nodes.length} nodes and ${rels.length} relationships from ${graph.fragments} fragments.`);
    out.line(`// Load with: ${command.replace(file, SCRIPT_NAME)}`);
    out.line('// Idempotent: every statement MERGEs on node keys (relationships on type, endpoints and identity properties).');
    // Schema statements cannot share a transaction with writes, and the MERGEs need the indexes behind them.
    for (const label of labels) out.line(constraintStatement(label));
    let inBatch = 0;
    const statement = (text: string): void => {
      if (inBatch === 0) out.line(':begin');
      out.line(text);
      if (++inBatch === BATCH) {
        out.line(':commit');
        inBatch = 0;
      }
    };
    for (const n of nodes) statement(nodeStatement(n.label, n.key, n.props));
    for (const r of rels) statement(relationshipStatement(r));
    if (inBatch > 0) out.line(':commit');
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
  return {
    file,
    command,
    constraints: labels.length,
    nodes: nodes.length,
    relationships: rels.length,
    danglingRelationships: graph.relationships.size - rels.length,
  };
}
