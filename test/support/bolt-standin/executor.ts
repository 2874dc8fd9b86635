/**
 * Runs a parsed statement over the in-memory graph, inside a transaction, the way Neo4j
 * would for these clause shapes: a stream of rows flows through the clauses; MERGE finds
 * or creates; SET checks property types; a null in a MERGE pattern, a missing parameter
 * or a map as a property value fail with Neo4j's codes.
 */
import { type Clause, type Expr, type NodePattern, type Query, type SetItem } from './cypher.js';
import { Graph, Neo4jFailure, Tx, valueKey, type GNode, type GRel, type PropertyValue } from './graph.js';
import { Struct, type PackMap, type PackValue } from './packstream.js';

type Value = PackValue | GNode | GRel | undefined;
type Row = Map<string, Value>;

export interface Result {
  fields: string[];
  records: PackValue[][];
  type: 'r' | 'w' | 's';
  /** Elements the first UNWIND produced: the rows the statement wrote. */
  rows: number;
}

export const SERVER_VERSION = '5.26.0';

const PROCEDURES: Record<string, { columns: string[]; rows: (g: Graph) => Record<string, PackValue>[] }> = {
  'db.labels': { columns: ['label'], rows: (g) => Object.keys(g.countByLabel()).sort().map((label) => ({ label })) },
  'db.relationshipTypes': { columns: ['relationshipType'], rows: (g) => Object.keys(g.countByType()).sort().map((relationshipType) => ({ relationshipType })) },
  'dbms.components': { columns: ['name', 'versions', 'edition'], rows: () => [{ name: 'Neo4j Kernel', versions: [SERVER_VERSION], edition: 'community' }] },
};

const CONSTRAINT_COLUMNS = ['id', 'name', 'type', 'entityType', 'labelsOrTypes', 'properties', 'ownedIndex', 'propertyType'];
const INDEX_COLUMNS = ['id', 'name', 'state', 'populationPercent', 'type', 'entityType', 'labelsOrTypes', 'properties', 'indexProvider', 'owningConstraint'];

function isNode(v: Value): v is GNode {
  return typeof v === 'object' && v !== null && 'labels' in v && v.labels instanceof Set;
}
function isRel(v: Value): v is GRel {
  return typeof v === 'object' && v !== null && 'start' in v && 'type' in v && (v as GRel).props instanceof Map;
}
function isMap(v: Value): v is PackMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Struct) && !isNode(v) && !isRel(v);
}

function typeName(v: Value): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'bigint') return 'Integer';
  if (typeof v === 'number') return 'Float';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (Array.isArray(v)) return 'List';
  if (isNode(v)) return 'Node';
  if (isRel(v)) return 'Relationship';
  return 'Map';
}

/** Neo4j stores primitives and homogeneous lists of primitives, nothing else. */
function toProperty(v: Value): PropertyValue | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    const types = new Set(v.map((x) => typeName(x)));
    const ok = v.every((x) => typeof x === 'string' || typeof x === 'bigint' || typeof x === 'number' || typeof x === 'boolean');
    if (ok && (types.size <= 1 || [...types].every((t) => t === 'Integer' || t === 'Float'))) return v as PropertyValue[];
  }
  throw new Neo4jFailure(
    'Neo.ClientError.Statement.TypeError',
    `Property values can only be of primitive types or arrays thereof. Encountered: ${typeName(v)}.`,
  );
}

export class Executor {
  constructor(
    private readonly graph: Graph,
    private readonly tx: Tx,
    private readonly params: PackMap,
  ) {}

  run(q: Query): Result {
    let rows: Row[] = [new Map()];
    let fields: string[] = [];
    let records: PackValue[][] | null = null;
    let unwound = -1;
    for (const clause of q.clauses) {
      if (clause.kind === 'unwind' && unwound < 0) {
        rows = this.unwind(rows, clause);
        unwound = rows.length;
        continue;
      }
      const out = this.clause(rows, clause);
      if ('records' in out) {
        fields = out.fields;
        records = out.records;
        rows = out.rows;
      } else rows = out;
    }
    return { fields, records: records ?? [], type: q.type, rows: Math.max(0, unwound) };
  }

  private clause(rows: Row[], c: Clause): Row[] | { fields: string[]; records: PackValue[][]; rows: Row[] } {
    switch (c.kind) {
      case 'unwind':
        return this.unwind(rows, c);
      case 'merge':
        return rows.map((r) => {
          const { row, created } = this.merge(r, c.pattern);
          if (created) for (const it of c.onCreate) this.set(row, it);
          return row;
        });
      case 'match':
        return rows.flatMap((r) => this.match(r, c.pattern));
      case 'set':
        for (const r of rows) for (const it of c.items) this.set(r, it);
        return rows;
      case 'return':
        return this.project(rows, c.items);
      case 'call':
        return this.table(this.procedure(c.procedure), c.yields, c.procedure);
      case 'show-constraints':
        return this.table(
          {
            columns: CONSTRAINT_COLUMNS,
            rows: this.graph.constraints.map((k) => ({
              id: BigInt(k.id),
              name: k.name,
              type: 'NODE_PROPERTY_UNIQUENESS',
              entityType: 'NODE',
              labelsOrTypes: [k.label],
              properties: [k.prop],
              ownedIndex: k.name,
              propertyType: null,
            })),
          },
          c.yields === '*' ? CONSTRAINT_COLUMNS : c.yields,
          'SHOW CONSTRAINTS',
        );
      case 'show-indexes': {
        // As Neo4j 5 lists them: its two token LOOKUP indexes, the RANGE index each constraint owns, and the rest.
        const row = (id: number, name: string, type: string, entityType: string, labels: string[] | null, props: string[] | null, owner: string | null): Record<string, PackValue> => ({
          id: BigInt(id),
          name,
          state: 'ONLINE',
          populationPercent: 100,
          type,
          entityType,
          labelsOrTypes: labels,
          properties: props,
          indexProvider: type === 'LOOKUP' ? 'token-lookup-1.0' : 'range-1.0',
          owningConstraint: owner,
        });
        return this.table(
          {
            columns: INDEX_COLUMNS,
            rows: [
              row(1000, 'index_343aff4e', 'LOOKUP', 'NODE', null, null, null),
              row(1001, 'index_f7700477', 'LOOKUP', 'RELATIONSHIP', null, null, null),
              ...this.graph.constraints.map((k) => row(k.id, k.name, 'RANGE', 'NODE', [k.label], [k.prop], k.name)),
              ...this.graph.indexes.map((i) => row(i.id, i.name, 'RANGE', 'NODE', [i.label], [i.prop], null)),
            ],
          },
          c.yields === '*' ? INDEX_COLUMNS : c.yields,
          'SHOW INDEXES',
        );
      }
      case 'create-constraint':
        this.graph.addConstraint(this.tx, c.name, c.label, c.prop, c.ifNotExists);
        return rows;
      case 'create-index':
        this.graph.addIndex(this.tx, c.name, c.label, c.prop, c.ifNotExists);
        return rows;
    }
  }

  private procedure(name: string): { columns: string[]; rows: Record<string, PackValue>[] } {
    const p = PROCEDURES[name];
    if (!p) throw new Neo4jFailure('Neo.ClientError.Procedure.ProcedureNotFound', `There is no procedure with the name \`${name}\` registered for this database instance.`);
    return { columns: p.columns, rows: p.rows(this.graph) };
  }

  private table(t: { columns: string[]; rows: Record<string, PackValue>[] }, yields: string[], what: string) {
    const cols = yields.length > 0 ? yields : t.columns;
    for (const y of cols) if (!t.columns.includes(y)) throw new Neo4jFailure('Neo.ClientError.Statement.SyntaxError', `Unknown procedure output: \`${y}\` (${what})`);
    const rows = t.rows.map((r) => new Map<string, Value>(cols.map((c) => [c, r[c] ?? null])));
    return { fields: cols, records: rows.map((r) => cols.map((c) => r.get(c) as PackValue)), rows };
  }

  private unwind(rows: Row[], c: Extract<Clause, { kind: 'unwind' }>): Row[] {
    const out: Row[] = [];
    for (const r of rows) {
      const list = this.eval(c.expr, r);
      if (list === null || list === undefined) continue;
      const items = Array.isArray(list) ? list : [list];
      for (const item of items) out.push(new Map(r).set(c.variable, item));
    }
    return out;
  }

  private patternProps(n: { props: [string, Expr][] }, r: Row, what: string, shown: string): Map<string, PropertyValue> {
    const props = new Map<string, PropertyValue>();
    for (const [k, e] of n.props) {
      const v = toProperty(this.eval(e, r));
      if (v === null) {
        throw new Neo4jFailure('Neo.ClientError.Statement.SemanticError', `Cannot merge the following ${what} because of null property value for '${k}': ${shown}`);
      }
      props.set(k, v);
    }
    return props;
  }

  private matches(entity: { props: Map<string, PropertyValue> }, props: Map<string, PropertyValue | null>): boolean {
    for (const [k, v] of props) if (valueKey(entity.props.get(k)) !== valueKey(v)) return false;
    return true;
  }

  private merge(r: Row, p: Extract<Clause, { kind: 'merge' }>['pattern']): { row: Row; created: boolean } {
    if (!p.rel) {
      const n = p.start;
      if (n.variable && r.get(n.variable) !== undefined) {
        throw new Neo4jFailure('Neo.ClientError.Statement.SyntaxError', `Can't create node \`${n.variable}\` with labels or properties here. The variable is already declared in this context`);
      }
      const props = this.patternProps(n, r, 'node', `(${n.variable ?? ''}:${n.label ?? ''})`);
      let node = [...this.graph.candidates(n.label, props)].find((c) => (n.label === undefined || c.labels.has(n.label)) && this.matches(c, props));
      const created = !node;
      if (!node) {
        node = this.graph.createNode(this.tx, n.label);
        for (const [k, v] of props) this.graph.setProp(this.tx, node, k, v);
      }
      return { row: n.variable ? new Map(r).set(n.variable, node) : r, created };
    }
    const a = this.bound(r, p.start);
    const b = this.bound(r, p.end!);
    const rel = p.rel;
    const props = this.patternProps(rel, r, 'relationship', `()-[:${rel.type}]->()`);
    let found = this.graph.outgoingOf(a.id).find((x) => x.type === rel.type && x.end === b.id && this.matches(x, props));
    const created = !found;
    if (!found) {
      found = this.graph.createRel(this.tx, rel.type, a, b);
      for (const [k, v] of props) this.graph.setProp(this.tx, found, k, v);
    }
    return { row: rel.variable ? new Map(r).set(rel.variable, found) : r, created };
  }

  /** The stand-in MERGEs a relationship between nodes bound earlier only: edgar's shape. */
  private bound(r: Row, n: NodePattern): GNode {
    const v = n.variable ? r.get(n.variable) : undefined;
    if (!isNode(v) || n.label !== undefined || n.props.length > 0) {
      throw new Neo4jFailure('Neo.ClientError.Statement.SyntaxError', 'The stand-in MERGEs relationships between bound node variables only, as in MERGE (a)-[r:T]->(b)');
    }
    return v;
  }

  private match(r: Row, p: Extract<Clause, { kind: 'match' }>['pattern']): Row[] {
    if (!p.rel) {
      const props = new Map<string, PropertyValue | null>(p.start.props.map(([k, e]) => [k, toProperty(this.eval(e, r))]));
      const hits = [...this.graph.candidates(p.start.label, props)].filter((n) => this.matches(n, props));
      return hits.map((n) => (p.start.variable ? new Map(r).set(p.start.variable, n) : r));
    }
    const rel = p.rel;
    for (const n of [p.start, p.end!]) {
      if (n.label !== undefined || n.props.length > 0 || (n.variable && r.get(n.variable) !== undefined)) {
        throw new Neo4jFailure('Neo.ClientError.Statement.SyntaxError', 'The stand-in MATCHes relationship patterns of the form ()-[r:T]->() only');
      }
    }
    const out: Row[] = [];
    for (const x of this.graph.rels.values()) {
      if (x.type !== rel.type) continue;
      const row = new Map(r);
      if (rel.variable) row.set(rel.variable, x);
      if (p.start.variable) row.set(p.start.variable, this.graph.nodes.get(x.start));
      if (p.end!.variable) row.set(p.end!.variable, this.graph.nodes.get(x.end));
      out.push(row);
    }
    return out;
  }

  private set(r: Row, it: SetItem): void {
    const target = r.get(it.variable);
    if (target === null || target === undefined) return; // SET on null is a no-op in Cypher
    if (!isNode(target) && !isRel(target)) throw new Neo4jFailure('Neo.ClientError.Statement.TypeError', `Type mismatch: expected Node or Relationship but was ${typeName(target)}`);
    if (it.kind === 'prop') {
      this.graph.setProp(this.tx, target, it.prop, toProperty(this.eval(it.expr, r)));
      return;
    }
    const m = this.eval(it.expr, r);
    if (m === null || m === undefined) return;
    if (!isMap(m)) throw new Neo4jFailure('Neo.ClientError.Statement.TypeError', `Expected ${typeName(m)} to be a map, but it was :\`${String(m)}\``);
    for (const [k, v] of Object.entries(m)) this.graph.setProp(this.tx, target, k, toProperty(v));
  }

  private project(rows: Row[], items: Extract<Clause, { kind: 'return' }>['items']) {
    const fields = items.map((i) => i.alias);
    const aggregate = items.some((i) => i.expr.kind === 'count');
    let records: Value[][];
    if (!aggregate) {
      records = rows.map((r) => items.map((i) => this.eval(i.expr, r)));
    } else {
      const groups = new Map<string, { keys: Value[]; counts: number[] }>();
      for (const r of rows) {
        const keys = items.map((i) => (i.expr.kind === 'count' ? null : this.eval(i.expr, r)));
        const gk = keys.map((k) => (isNode(k) ? `node:${k.id}` : isRel(k) ? `rel:${k.id}` : valueKey(k as PropertyValue))).join('\u0000');
        let g = groups.get(gk);
        if (!g) groups.set(gk, (g = { keys, counts: items.map(() => 0) }));
        items.forEach((i, idx) => {
          if (i.expr.kind !== 'count') return;
          const arg = i.expr.arg;
          if (arg === '*' || (this.eval(arg, r) ?? null) !== null) g!.counts[idx]!++;
        });
      }
      if (groups.size === 0 && items.every((i) => i.expr.kind === 'count')) groups.set('', { keys: items.map(() => null), counts: items.map(() => 0) });
      records = [...groups.values()].map((g) => items.map((i, idx) => (i.expr.kind === 'count' ? BigInt(g.counts[idx]!) : g.keys[idx])));
    }
    const out = records.map((rec) => rec.map((v) => this.output(v)));
    return { fields, records: out, rows: records.map((rec) => new Map<string, Value>(fields.map((f, i) => [f, rec[i]]))) };
  }

  private output(v: Value): PackValue {
    if (v === undefined) return null;
    if (isNode(v)) return new Struct(0x4e, [BigInt(v.id), [...v.labels], Object.fromEntries(v.props) as PackMap, `4:standin:${v.id}`]);
    if (isRel(v)) {
      return new Struct(0x52, [BigInt(v.id), BigInt(v.start), BigInt(v.end), v.type, Object.fromEntries(v.props) as PackMap, `5:standin:${v.id}`, `4:standin:${v.start}`, `4:standin:${v.end}`]);
    }
    return v as PackValue;
  }

  private eval(e: Expr, r: Row): Value {
    switch (e.kind) {
      case 'literal':
        return e.value as PackValue;
      case 'param':
        if (!(e.name in this.params)) throw new Neo4jFailure('Neo.ClientError.Statement.ParameterMissing', `Expected parameter(s): ${e.name}`);
        return this.params[e.name];
      case 'var':
        return r.get(e.name) ?? null;
      case 'prop': {
        const of = this.eval(e.of, r);
        if (of === null || of === undefined) return null;
        if (isNode(of) || isRel(of)) return (of.props.get(e.name) as PackValue | undefined) ?? null;
        if (isMap(of)) return of[e.name] ?? null;
        throw new Neo4jFailure('Neo.ClientError.Statement.TypeError', `Type mismatch: expected a map but was ${typeName(of)}`);
      }
      case 'map': {
        const m: PackMap = {};
        for (const [k, x] of e.entries) m[k] = this.output(this.eval(x, r));
        return m;
      }
      case 'count':
        throw new Neo4jFailure('Neo.ClientError.Statement.SyntaxError', 'count() is allowed in RETURN only');
    }
  }
}
