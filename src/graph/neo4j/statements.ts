/**
 * The statement builder: GraphFragments in, a few parameterised Cypher statements out.
 *
 * Every value travels as a parameter; only labels, relationship types and property names
 * (validated, see names.ts) are part of the text, so the text of a statement depends on
 * the shape of the data and never on its content, and Neo4j's plan cache serves every
 * later batch of the same shape.
 *
 * Per label one `UNWIND $rows AS row MERGE (n:Label {key: row.key}) SET n += row.props`;
 * per relationship type and endpoint labels one
 * `UNWIND ... MERGE (a) MERGE (b) MERGE (a)-[r:TYPE {identity}]->(b) SET r += row.props`.
 * Nodes come before relationships, so within one transaction a relationship finds the
 * nodes its fragment describes. Endpoints are MERGEd rather than MATCHed: a relationship
 * to a node that only another filing describes is not dropped when that filing comes
 * later (its node gets its properties then).
 *
 * Lock order: workers MERGE the same hot nodes (State DE, a common Industry, a parent
 * company) at once, and two transactions that lock them in opposite orders deadlock.
 * So statements come in a fixed order (labels, then relationship shapes, sorted by name)
 * and rows in each statement are sorted by key: every transaction takes its locks in the
 * same global order. Deadlocks can still happen (Neo4j also locks index entries and
 * relationship groups), and `executeWrite` retries them; they become rare, not impossible.
 *
 * `SET x += map` only writes the keys the map has, and the rows hold known values only
 * (see `toParams`), so a filing that does not know a company's SIC code never erases the
 * code another filing gave. A `null` in such a map would remove the property: there is none.
 */
import neo4j from 'neo4j-driver';
import { mergeProps, nodeId, relationshipId, RELATIONSHIP_IDENTITY, type GraphFragment, type GraphNode, type GraphRelationship, type Props } from '../fragment.js';
import { groupBy } from '../group.js';
import { identifier, InvalidGraphKeyError } from './names.js';

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

/**
 * Labels whose every property is fixed by the key (a State is its code): an existing node
 * is left alone (`ON CREATE SET`), so the many writers that name State DE take no exclusive
 * lock on it just to write the same value again. Industry is not one: a filing may give a
 * SIC code without its name, and a later one must still be able to add the name. This
 * relies on a fragment that links to a State also listing the State node (the rules
 * always do): a State created bare, as a relationship's endpoint, would keep no `code`.
 */
export const KEY_DETERMINED_LABELS: readonly string[] = ['State'];

export function nodeStatementText(label: string): string {
  const set = KEY_DETERMINED_LABELS.includes(label) ? 'ON CREATE SET' : 'SET';
  return `UNWIND $rows AS row\nMERGE (n:${identifier('label', label)} {key: row.key})\n${set} n += row.props`;
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
  const nodeGroups = groupBy([...nodes.values()], (n) => n.label);
  for (const label of [...nodeGroups.keys()].sort(byCodeUnits)) {
    const text = nodeStatementText(label);
    const rows = nodeGroups
      .get(label)!
      .map((n): NodeRow => ({ key: keyOf(n.key, label), props: toParams(n.props, ['key']) }))
      .sort((x, y) => byCodeUnits(x.key, y.key));
    for (const batch of chunks(rows, batchRows)) out.push({ text, params: { rows: batch }, rows: batch.length });
  }

  const relGroups = groupBy([...rels.values()], (r) => [r.type, r.from.label, r.to.label].join('\u0000'));
  for (const groupKey of [...relGroups.keys()].sort(byCodeUnits)) {
    const group = relGroups.get(groupKey)!;
    const first = group[0]!;
    const identityNames = RELATIONSHIP_IDENTITY[first.type] ?? [];
    const text = relationshipStatementText(first.type, first.from.label, first.to.label, identityNames);
    const rows = group
      .map((rel): RelationshipRow => ({
        from: keyOf(rel.from.key, rel.from.label),
        to: keyOf(rel.to.key, rel.to.label),
        identity: identityOf(rel.props, identityNames),
        props: toParams(rel.props, identityNames),
      }))
      .sort((x, y) => byCodeUnits(x.from, y.from) || byCodeUnits(x.to, y.to) || byCodeUnits(JSON.stringify(x.identity), JSON.stringify(y.identity)));
    for (const batch of chunks(rows, batchRows)) out.push({ text, params: { rows: batch }, rows: batch.length });
  }
  return out;
}

/** Plain code-unit order: the same on every machine, whatever its locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Identity properties exactly as `relationshipId` (fragment.ts) sees them: the value as a
 * string, and '' for a missing one. MERGE cannot match on a null, and leaving the property
 * out would match any relationship of the type between the two nodes, where the file store
 * keeps two; '' makes Neo4j keep exactly what the file store keeps.
 */
function identityOf(props: Props, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = props[n];
    out[n] = v === undefined ? '' : String(v);
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

/** A node without a key cannot be MERGEd: what the fragment holds is wrong, and no retry changes that. */
function keyOf(key: unknown, label: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidGraphKeyError(`a ${label} node has no key (${key === '' ? 'an empty string' : String(key)})`);
  return key;
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
