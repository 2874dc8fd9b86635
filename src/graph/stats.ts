import { nodeId, relationshipId } from './fragment.js';
import { storedFragments, type UnreadableFragment } from './merge.js';

export interface GraphStats {
  graphDir: string;
  fragments: number;
  nodes: Record<string, number>;
  relationships: Record<string, number>;
  totalNodes: number;
  totalRelationships: number;
  /** Files under fragments/ that could not be read as fragments. */
  unreadable: UnreadableFragment[];
}

/**
 * What the graph holds once every fragment is merged: distinct nodes per label and distinct
 * relationships per type. Only ids are kept in memory, not properties, so it scales with
 * the graph's size rather than with the fragments' bytes.
 */
export function graphStats(graphDir: string): GraphStats {
  const unreadable: UnreadableFragment[] = [];
  const nodeIds = new Map<string, Set<string>>();
  const relIds = new Map<string, Set<string>>();
  let fragments = 0;
  for (const fragment of storedFragments(graphDir, unreadable)) {
    fragments++;
    for (const node of fragment.nodes) add(nodeIds, node.label, nodeId(node));
    for (const rel of fragment.relationships) add(relIds, rel.type, relationshipId({ ...rel, props: rel.props ?? {} }));
  }
  const nodes = counts(nodeIds);
  const relationships = counts(relIds);
  return {
    graphDir,
    fragments,
    nodes,
    relationships,
    totalNodes: sum(nodes),
    totalRelationships: sum(relationships),
    unreadable,
  };
}

function add(index: Map<string, Set<string>>, group: string, id: string): void {
  let set = index.get(group);
  if (set === undefined) index.set(group, (set = new Set()));
  set.add(id);
}

/** Sorted by name so that output is stable and diffable. */
function counts(index: Map<string, Set<string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of [...index.keys()].sort()) out[name] = index.get(name)!.size;
  return out;
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
