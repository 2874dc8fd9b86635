/**
 * GraphFragment: what one filing contributes to the graph, as plain JSON (CONTRACT.md,
 * "The graph"). Keys are deterministic so that every write can be a MERGE.
 */

export type PropValue = string | number | boolean | string[];
export type Props = Record<string, PropValue>;

export interface NodeRef {
  label: string;
  key: string;
}

export interface GraphNode extends NodeRef {
  props: Props;
}

export interface GraphRelationship {
  type: string;
  from: NodeRef;
  to: NodeRef;
  props: Props;
}

export interface FragmentFiling {
  accession: string;
  formType: string;
  filedAt?: string;
  period?: string;
  [prop: string]: PropValue | undefined;
}

export interface GraphFragment {
  filing: FragmentFiling;
  nodes: GraphNode[];
  relationships: GraphRelationship[];
}

/** Props as callers build them: missing values may be undefined, '' or []; they never land in the graph. */
export type PropsInput = Record<string, PropValue | undefined>;

/**
 * Properties that are part of a relationship's identity besides (type, from, to). A company
 * can be both FILER and SUBJECT COMPANY of one filing, have the same business and mail
 * address, or take back a former name (two dates of change): those are two facts each, so
 * a store must MERGE on these properties too.
 */
export const RELATIONSHIP_IDENTITY: Readonly<Record<string, readonly string[]>> = {
  FILED: ['role'],
  LOCATED_AT: ['type'],
  FORMERLY_NAMED: ['changedAt'],
};

/**
 * Provenance: every relationship carries the accession of the filing it was read from, and
 * every node other than the Filing gets (node)-[:MENTIONED_IN {accession}]->(Filing).
 * Nodes are shared between filings, so the edge (not a node property) is what says which
 * filings mention them.
 */
export const PROVENANCE_RELATIONSHIP = 'MENTIONED_IN';

export function nodeId(ref: NodeRef): string {
  return `${ref.label}\u0000${ref.key}`;
}

export function relationshipId(rel: Pick<GraphRelationship, 'type' | 'from' | 'to' | 'props'>): string {
  const identity = (RELATIONSHIP_IDENTITY[rel.type] ?? []).map((prop) => String(rel.props[prop] ?? ''));
  return [rel.type, nodeId(rel.from), nodeId(rel.to), ...identity].join('\u0001');
}

/**
 * Collects nodes and relationships for one filing, merging duplicates: a node seen twice
 * (the same company in two header blocks) keeps every known property, and a later missing
 * value never erases an earlier known one.
 */
export class FragmentBuilder {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly relationships = new Map<string, GraphRelationship>();
  readonly filingRef: NodeRef;

  constructor(private readonly filing: FragmentFiling) {
    this.filingRef = this.node('Filing', filing.accession, filing);
  }

  /**
   * `fill`: only properties the node does not have yet are set. For facts of lesser
   * authority (the LLM's), which must never overwrite what the rules read.
   */
  node(label: string, key: string, props: PropsInput = {}, mode: MergeMode = 'replace'): NodeRef {
    const ref = { label, key };
    const id = nodeId(ref);
    const existing = this.nodes.get(id);
    if (existing === undefined) this.nodes.set(id, { label, key, props: mergeProps({}, props) });
    else mergeProps(existing.props, props, mode);
    return ref;
  }

  relationship(type: string, from: NodeRef, to: NodeRef, props: PropsInput = {}, mode: MergeMode = 'replace'): void {
    const rel: GraphRelationship = {
      type,
      from,
      to,
      props: mergeProps({}, { ...props, accession: this.filing.accession }),
    };
    const id = relationshipId(rel);
    const existing = this.relationships.get(id);
    if (existing === undefined) this.relationships.set(id, rel);
    else mergeProps(existing.props, rel.props, mode);
  }

  build(): GraphFragment {
    for (const node of this.nodes.values()) {
      if (node.label !== 'Filing') this.relationship(PROVENANCE_RELATIONSHIP, node, this.filingRef);
    }
    const filing: FragmentFiling = { accession: this.filing.accession, formType: this.filing.formType };
    for (const [prop, value] of Object.entries(this.filing)) if (isPresent(value)) filing[prop] = value;
    return {
      filing,
      nodes: [...this.nodes.values()],
      relationships: [...this.relationships.values()],
    };
  }
}

function isPresent(value: PropValue | undefined): value is PropValue {
  if (value === undefined || value === '') return false;
  return !Array.isArray(value) || value.length > 0;
}

export type MergeMode = 'replace' | 'fill';

/** Known values win over missing ones; arrays are unioned, other known values replaced (or, with `fill`, kept). */
export function mergeProps(target: Props, source: PropsInput, mode: MergeMode = 'replace'): Props {
  for (const [prop, value] of Object.entries(source)) {
    if (!isPresent(value)) continue;
    const current = target[prop];
    if (mode === 'fill' && current !== undefined) continue;
    target[prop] = Array.isArray(current) && Array.isArray(value) ? [...new Set([...current, ...value])] : value;
  }
  return target;
}
