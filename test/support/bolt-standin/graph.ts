/**
 * The stand-in's database: an in-memory property graph with Neo4j's uniqueness
 * constraints, and transactions that undo every change on rollback. Isolation is the
 * simplest correct kind: a transaction takes the database's one lock at its first
 * statement and keeps it to the end, so transactions are serialisable (Neo4j is read
 * committed with entity locks: stricter here, never looser).
 */

export type PropertyValue = string | bigint | number | boolean | PropertyValue[];

export interface GNode {
  id: number;
  labels: Set<string>;
  props: Map<string, PropertyValue>;
}

export interface GRel {
  id: number;
  type: string;
  start: number;
  end: number;
  props: Map<string, PropertyValue>;
}

export interface Constraint {
  id: number;
  name: string;
  label: string;
  prop: string;
}

/** A RANGE index created with CREATE INDEX (the ones constraints own are listed from the constraints). */
export interface PropertyIndex {
  id: number;
  name: string;
  label: string;
  prop: string;
}

export class Neo4jFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Counters {
  nodesCreated: number;
  relationshipsCreated: number;
  propertiesSet: number;
  labelsAdded: number;
  constraintsAdded: number;
  indexesAdded: number;
}

export function emptyCounters(): Counters {
  return { nodesCreated: 0, relationshipsCreated: 0, propertiesSet: 0, labelsAdded: 0, constraintsAdded: 0, indexesAdded: 0 };
}

/** A value as a map key: INTEGER 1 and FLOAT 1.0 are equal in Cypher, and so here. */
export function valueKey(v: PropertyValue | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return `n:${Number(v)}`;
  if (typeof v === 'number') return `n:${v}`;
  if (typeof v === 'string') return `s:${v}`;
  if (typeof v === 'boolean') return `b:${v}`;
  return `l:[${v.map(valueKey).join(',')}]`;
}

export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  get locked(): boolean {
    return this.held;
  }

  /** Resolves with the release function, or rejects after timeoutMs. */
  acquire(timeoutMs: number): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new Neo4jFailure('Neo.TransientError.Transaction.LockAcquisitionTimeout', 'Unable to acquire lock within the configured timeout.'));
      }, timeoutMs);
      void prev.then(() => {
        clearTimeout(timer);
        if (timedOut) return release();
        this.held = true;
        let done = false;
        resolve(() => {
          if (done) return;
          done = true;
          this.held = false;
          release();
        });
      });
    });
  }
}

export class Graph {
  readonly nodes = new Map<number, GNode>();
  readonly rels = new Map<number, GRel>();
  readonly constraints: Constraint[] = [];
  /** Lookups by them are not faster here: the stand-in records them for SHOW INDEXES and doctor. */
  readonly indexes: PropertyIndex[] = [];
  /** label -> key value -> node ids: the index behind MERGE on `key` and the constraints. */
  private readonly keyIndex = new Map<string, Map<string, Set<number>>>();
  private readonly outgoing = new Map<number, Set<number>>();
  readonly lock = new Mutex();
  private nextNode = 0;
  private nextRel = 0;
  private nextConstraint = 1;

  private indexFor(label: string): Map<string, Set<number>> {
    let m = this.keyIndex.get(label);
    if (!m) this.keyIndex.set(label, (m = new Map()));
    return m;
  }

  /** Candidate nodes for a pattern: through the `key` index when the pattern has one. */
  candidates(label: string | undefined, props: Map<string, PropertyValue | null>): Iterable<GNode> {
    if (label !== undefined && props.has('key')) {
      const ids = this.keyIndex.get(label)?.get(valueKey(props.get('key') ?? null));
      return [...(ids ?? [])].map((id) => this.nodes.get(id)!);
    }
    const all = [...this.nodes.values()];
    return label === undefined ? all : all.filter((n) => n.labels.has(label));
  }

  outgoingOf(nodeId: number): GRel[] {
    return [...(this.outgoing.get(nodeId) ?? [])].map((id) => this.rels.get(id)!);
  }

  createNode(tx: Tx, label: string | undefined): GNode {
    const node: GNode = { id: this.nextNode++, labels: new Set(label ? [label] : []), props: new Map() };
    this.nodes.set(node.id, node);
    tx.undo.push(() => {
      for (const l of node.labels) this.unindex(node, l);
      this.nodes.delete(node.id);
    });
    tx.counters.nodesCreated++;
    if (label) tx.counters.labelsAdded++;
    return node;
  }

  createRel(tx: Tx, type: string, start: GNode, end: GNode): GRel {
    const rel: GRel = { id: this.nextRel++, type, start: start.id, end: end.id, props: new Map() };
    this.rels.set(rel.id, rel);
    let out = this.outgoing.get(start.id);
    if (!out) this.outgoing.set(start.id, (out = new Set()));
    out.add(rel.id);
    tx.undo.push(() => {
      this.rels.delete(rel.id);
      this.outgoing.get(start.id)?.delete(rel.id);
    });
    tx.counters.relationshipsCreated++;
    return rel;
  }

  setProp(tx: Tx, entity: GNode | GRel, prop: string, value: PropertyValue | null): void {
    const had = entity.props.has(prop);
    const old = entity.props.get(prop);
    const isNode = 'labels' in entity;
    if (isNode && prop === 'key') for (const l of entity.labels) this.unindex(entity, l);
    if (value === null) entity.props.delete(prop);
    else entity.props.set(prop, value);
    if (isNode && prop === 'key') for (const l of entity.labels) this.index(entity, l);
    tx.undo.push(() => {
      if (isNode && prop === 'key') for (const l of entity.labels) this.unindex(entity, l);
      if (had) entity.props.set(prop, old!);
      else entity.props.delete(prop);
      if (isNode && prop === 'key') for (const l of entity.labels) this.index(entity, l);
    });
    if (value !== null || had) tx.counters.propertiesSet++;
    if (isNode) this.checkConstraints(entity);
  }

  /** Called after a node's key or labels change. */
  indexNode(node: GNode): void {
    for (const l of node.labels) this.index(node, l);
  }

  private index(node: GNode, label: string): void {
    if (!node.props.has('key')) return;
    const m = this.indexFor(label);
    const k = valueKey(node.props.get('key'));
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(node.id);
  }

  private unindex(node: GNode, label: string): void {
    if (!node.props.has('key')) return;
    this.keyIndex.get(label)?.get(valueKey(node.props.get('key')))?.delete(node.id);
  }

  checkConstraints(node: GNode): void {
    for (const c of this.constraints) {
      if (!node.labels.has(c.label) || !node.props.has(c.prop)) continue;
      const v = valueKey(node.props.get(c.prop));
      const clash = this.holders(c.label, c.prop, v).find((id) => id !== node.id);
      if (clash !== undefined) {
        throw new Neo4jFailure(
          'Neo.ClientError.Schema.ConstraintValidationFailed',
          `Node(${clash}) already exists with label \`${c.label}\` and property \`${c.prop}\` = ${JSON.stringify(String(node.props.get(c.prop)))}`,
        );
      }
    }
  }

  private holders(label: string, prop: string, v: string): number[] {
    if (prop === 'key') return [...(this.keyIndex.get(label)?.get(v) ?? [])];
    return [...this.nodes.values()].filter((n) => n.labels.has(label) && n.props.has(prop) && valueKey(n.props.get(prop)) === v).map((n) => n.id);
  }

  addConstraint(tx: Tx, name: string | undefined, label: string, prop: string, ifNotExists: boolean): void {
    const same = this.constraints.find((c) => c.label === label && c.prop === prop);
    const named = name !== undefined ? this.constraints.find((c) => c.name === name) : undefined;
    if (same || named) {
      if (ifNotExists) return;
      throw new Neo4jFailure(
        'Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists',
        `An equivalent constraint already exists, 'Constraint( name='${(same ?? named)!.name}' )'.`,
      );
    }
    const seen = new Map<string, number>();
    for (const n of this.nodes.values()) {
      if (!n.labels.has(label) || !n.props.has(prop)) continue;
      const v = valueKey(n.props.get(prop));
      if (seen.has(v)) {
        throw new Neo4jFailure(
          'Neo.ClientError.Schema.ConstraintCreationFailed',
          `Unable to create Constraint( type='UNIQUENESS', schema=(:${label} {${prop}}) ): Both Node(${seen.get(v)}) and Node(${n.id}) have the label \`${label}\` and property \`${prop}\``,
        );
      }
      seen.set(v, n.id);
    }
    const c: Constraint = { id: this.nextConstraint++, name: name ?? `constraint_${Math.random().toString(16).slice(2, 10)}`, label, prop };
    this.constraints.push(c);
    tx.undo.push(() => this.constraints.splice(this.constraints.indexOf(c), 1));
    tx.counters.constraintsAdded++;
  }

  addIndex(tx: Tx, name: string | undefined, label: string, prop: string, ifNotExists: boolean): void {
    const same = this.indexes.find((i) => i.label === label && i.prop === prop);
    const named = name !== undefined ? [...this.indexes, ...this.constraints].find((i) => i.name === name) : undefined;
    if (same || named) {
      if (ifNotExists) return;
      throw new Neo4jFailure('Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists', `An equivalent index already exists, 'Index( name='${(same ?? named)!.name}' )'.`);
    }
    if (this.constraints.some((c) => c.label === label && c.prop === prop)) {
      if (ifNotExists) return;
      throw new Neo4jFailure('Neo.ClientError.Schema.IndexAlreadyExists', `There is a uniqueness constraint on (:${label} {${prop}}), so an index is already created that matches this.`);
    }
    const ix: PropertyIndex = { id: this.nextConstraint++, name: name ?? `index_${Math.random().toString(16).slice(2, 10)}`, label, prop };
    this.indexes.push(ix);
    tx.undo.push(() => this.indexes.splice(this.indexes.indexOf(ix), 1));
    tx.counters.indexesAdded++;
  }

  /** Node ids sharing a label and `key`: must be empty whenever a constraint exists. */
  duplicateNodes(): { label: string; key: string; ids: number[] }[] {
    const out: { label: string; key: string; ids: number[] }[] = [];
    for (const [label, m] of this.keyIndex) for (const [key, ids] of m) if (ids.size > 1) out.push({ label, key, ids: [...ids] });
    return out;
  }

  /** Relationships with the same type, endpoints and properties named in `identity`. */
  duplicateRelationships(identity: Readonly<Record<string, readonly string[]>>): string[] {
    const seen = new Set<string>();
    const dups: string[] = [];
    for (const r of this.rels.values()) {
      const id = [r.type, r.start, r.end, ...(identity[r.type] ?? []).map((p) => valueKey(r.props.get(p)))].join('|');
      if (seen.has(id)) dups.push(id);
      seen.add(id);
    }
    return dups;
  }

  countByLabel(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.nodes.values()) for (const l of n.labels) out[l] = (out[l] ?? 0) + 1;
    return out;
  }

  countByType(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.rels.values()) out[r.type] = (out[r.type] ?? 0) + 1;
    return out;
  }

  findNode(label: string, key: string): GNode | undefined {
    const ids = this.keyIndex.get(label)?.get(valueKey(key));
    const id = ids ? [...ids][0] : undefined;
    return id === undefined ? undefined : this.nodes.get(id);
  }
}

/** One transaction's bookkeeping. */
export class Tx {
  readonly undo: (() => void)[] = [];
  counters = emptyCounters();
  kind: 'none' | 'data' | 'schema' = 'none';
  release: (() => void) | null = null;
  failed = false;

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
    this.end();
  }

  commit(): void {
    this.undo.length = 0;
    this.end();
  }

  private end(): void {
    this.release?.();
    this.release = null;
  }
}
