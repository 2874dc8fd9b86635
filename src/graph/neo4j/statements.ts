/**
 * The statement builder: GraphFragments in, a few parameterised Cypher statements out.
 *
 * Every value travels as a parameter; only labels, relationship types and property names
 * (validated, see names.ts) are part of the text, so the text of a statement depends on
 * the shape of the data and never on its content, and Neo4j's plan cache serves every
 * later batch of the same shape.
 *
 * Per label one `UNWIND $rows AS row MERGE (n:Label {key: row.key}) SET n += row.props`;
 * per relationship type, endpoint labels and identity properties one
 * `UNWIND ... MERGE (a) MERGE (b) MERGE (a)-[r:TYPE {identity}]->(b) SET r += row.props`.
 * Nodes come before relationships, so within one transaction a relationship finds the
 * nodes its fragment describes. Endpoints are MERGEd rather than MATCHed: a relationship
 * to a node that only another filing describes is not dropped when that filing comes
 * later (its node gets its properties then).
 *
 * `SET x += map` only writes the keys the map has, and the rows hold known values only
 * (see `toParams`), so a filing that does not know a company's SIC code never erases the
 * code another filing gave. A `null` in such a map would remove the property: there is none.
 */
import neo4j from 'neo4j-driver';
import { mergeProps, nodeId, relationshipId, RELATIONSHIP_IDENTITY, type GraphFragment, type GraphNode, type GraphRelationship, type Props } from '../fragment.js';
import { groupBy } from '../group.js';
import { identifier } from './names.js';

export interface Statement {
  text: string;
  params: Record<string, unknown>;
  /** Rows the statement writes (UNWIND rows), 0 for schema and read statements. */
  rows: number;
}

/** Rows per UNWIND: big enough to amortise a round trip, small enough for any heap. */
export const DEFAULT_BATCH_ROWS = 1_000;

/** Node rows: `{key, props}`. */
export interface NodeRow {
  key: string;
  props: Record<string, unknown>;
}

/** Relationship rows: `{from, to, identity, props}` (endpoint keys; identity props; the rest). */
export interface RelationshipRow {
  from: string;
  to: string;
  identity: Record<string, unknown>;
  props: Record<string, unknown>;
}

export function nodeStatementText(label: string): string {
  return `UNWIND $rows AS row\nMERGE (n:${identifier('label', label)} {key: row.key})\nSET n += row.props`;
}

export function relationshipStatementText(type: string, fromLabel: string, toLabel: string, identityProps: readonly string[]): string {
  const identity = identityProps.map((p) => `${identifier('property', p)}: row.identity.${identifier('property', p)}`).join(', ');
  return (
    `UNWIND $rows AS row\n` +
    `MERGE (a:${identifier('label', fromLabel)} {key: row.from})\n` +
    `MERGE (b:${identifier('label', toLabel)} {key: row.to})\n` +
    `MERGE (a)-[r:${identifier('relationship type', type)}${identity ? ` {${identity}}` : ''}]->(b)\n` +
    `SET r += row.props`
  );
}

/**
 * The statements that write these fragments, in order (nodes first). Nodes and
 * relationships repeated across the fragments are merged first, the way the file store
 * merges them (`mergeProps`), so each is written once.
 */
export function writeStatements(fragments: readonly GraphFragment[], opts: { batchRows?: number } = {}): Statement[] {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a whole number >= 1, not ${batchRows}`);
  const nodes = new Map<string, GraphNode>();
  const rels = new Map<string, GraphRelationship>();
  for (const fragment of fragments) {
    for (const node of fragment.nodes) {
      const id = nodeId(node);
      const seen = nodes.get(id);
      if (seen === undefined) nodes.set(id, { label: node.label, key: node.key, props: mergeProps({}, node.props ?? {}) });
      else mergeProps(seen.props, node.props ?? {});
    }
    for (const rel of fragment.relationships) {
      const id = relationshipId({ ...rel, props: rel.props ?? {} });
      const seen = rels.get(id);
      if (seen === undefined) rels.set(id, { type: rel.type, from: rel.from, to: rel.to, props: mergeProps({}, rel.props ?? {}) });
      else mergeProps(seen.props, rel.props ?? {});
    }
  }

  const out: Statement[] = [];
  for (const [label, group] of groupBy([...nodes.values()], (n) => n.label)) {
    const text = nodeStatementText(label);
    const rows = group.map((n): NodeRow => ({ key: keyOf(n.key, label), props: toParams(n.props, ['key']) }));
    for (const batch of chunks(rows, batchRows)) out.push({ text, params: { rows: batch }, rows: batch.length });
  }

  const relRows = [...rels.values()].map((r) => {
    const identityNames = (RELATIONSHIP_IDENTITY[r.type] ?? []).filter((p) => toParam(r.props[p]) !== undefined);
    return { rel: r, identityNames };
  });
  // A MERGE on a null property fails, so rows missing an identity property go to a statement without it.
  const groups = groupBy(relRows, ({ rel, identityNames }) => [rel.type, rel.from.label, rel.to.label, ...identityNames].join('\u0000'));
  for (const group of groups.values()) {
    const { rel: first, identityNames } = group[0]!;
    const text = relationshipStatementText(first.type, first.from.label, first.to.label, identityNames);
    const rows = group.map(({ rel }): RelationshipRow => ({
      from: keyOf(rel.from.key, rel.from.label),
      to: keyOf(rel.to.key, rel.to.label),
      identity: toParams(pick(rel.props, identityNames), []),
      props: toParams(rel.props, identityNames),
    }));
    for (const batch of chunks(rows, batchRows)) out.push({ text, params: { rows: batch }, rows: batch.length });
  }
  return out;
}

/** The same writes as `writeStatements`, one row per statement: the naive baseline of the benchmark. */
export function rowPerStatement(statements: readonly Statement[]): Statement[] {
  const out: Statement[] = [];
  for (const s of statements) {
    const rows = s.params.rows;
    if (!Array.isArray(rows)) {
      out.push(s);
      continue;
    }
    for (const row of rows) out.push({ text: s.text, params: { rows: [row] }, rows: 1 });
  }
  return out;
}

function keyOf(key: unknown, label: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError(`a ${label} node has no key`);
  return key;
}

function pick(props: Props, names: readonly string[]): Props {
  const out: Props = {};
  for (const n of names) if (props[n] !== undefined) out[n] = props[n]!;
  return out;
}

/**
 * Property values as driver parameters: whole numbers as Cypher INTEGERs (a plain JS
 * number would be stored as a FLOAT), lists as lists of strings (a property list must be
 * homogeneous), and nothing for a missing value. Property names are map keys, so data,
 * but they are still checked: Neo4j would store any string, and a user would then have to
 * backtick-quote it in every query.
 */
export function toParams(props: Record<string, unknown>, skip: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(props)) {
    if (skip.includes(name)) continue;
    const param = toParam(value);
    if (param === undefined) continue;
    identifier('property', name);
    out[name] = param;
  }
  return out;
}

export function toParam(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    return Number.isSafeInteger(value) ? neo4j.int(value) : value;
  }
  if (Array.isArray(value)) {
    const items = value.filter((v) => v !== null && v !== undefined && v !== '').map(String);
    return items.length > 0 ? items : undefined;
  }
  return undefined;
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
