import { listFragmentFiles, readFragment } from './file-store.js';
import { mergeProps, nodeId, relationshipId, type GraphFragment, type GraphNode, type GraphRelationship } from './fragment.js';

export interface UnreadableFragment {
  file: string;
  error: string;
}

/** Each stored fragment in a stable order; a file that is not a fragment is reported, not fatal. */
export function* storedFragments(graphDir: string, unreadable: UnreadableFragment[]): Generator<GraphFragment> {
  for (const file of listFragmentFiles(graphDir)) {
    let fragment: GraphFragment;
    try {
      fragment = readFragment(file);
      if (!Array.isArray(fragment?.nodes) || !Array.isArray(fragment?.relationships)) throw new Error('not a graph fragment');
    } catch (err) {
      unreadable.push({ file, error: (err as Error).message });
      continue;
    }
    yield fragment;
  }
}

/**
 * The union of fragments as the graph database would hold it after MERGEing each: nodes
 * by label + key, relationships by type + endpoints + RELATIONSHIP_IDENTITY properties.
 * Properties merge the way FragmentBuilder merges them within one filing, so a later
 * fragment's missing value never erases an earlier known one.
 */
export class MergedGraph {
  readonly nodes = new Map<string, GraphNode>();
  readonly relationships = new Map<string, GraphRelationship>();
  fragments = 0;

  add(fragment: GraphFragment): void {
    this.fragments++;
    for (const node of fragment.nodes) {
      const id = nodeId(node);
      const existing = this.nodes.get(id);
      if (existing === undefined) this.nodes.set(id, { label: node.label, key: node.key, props: mergeProps({}, node.props ?? {}) });
      else mergeProps(existing.props, node.props ?? {});
    }
    for (const rel of fragment.relationships) {
      const id = relationshipId({ ...rel, props: rel.props ?? {} });
      const existing = this.relationships.get(id);
      if (existing === undefined) {
        this.relationships.set(id, { type: rel.type, from: { ...rel.from }, to: { ...rel.to }, props: mergeProps({}, rel.props ?? {}) });
      } else {
        mergeProps(existing.props, rel.props ?? {});
      }
    }
  }
}

export function loadGraph(graphDir: string): { graph: MergedGraph; unreadable: UnreadableFragment[] } {
  const unreadable: UnreadableFragment[] = [];
  const graph = new MergedGraph();
  for (const fragment of storedFragments(graphDir, unreadable)) graph.add(fragment);
  return { graph, unreadable };
}
