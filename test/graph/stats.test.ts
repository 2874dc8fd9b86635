import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFragment } from '../../src/graph/file-store.js';
import { loadGraph } from '../../src/graph/merge.js';
import { graphStats } from '../../src/graph/stats.js';
import { tempDir } from '../helpers.js';
import { TWO_FRAGMENTS_COUNTS, twoFragments } from './helpers.js';

describe('graphStats', () => {
  it('merges fragments: a company in two filings counts once; FILED roles count apart', () => {
    const dir = tempDir();
    for (const f of twoFragments()) writeFragment(dir, f);
    const stats = graphStats(dir);
    expect(stats).toEqual({
      graphDir: dir,
      ...TWO_FRAGMENTS_COUNTS,
      unreadable: [],
    });
  });

  it('an empty or missing store is zero, not an error', () => {
    const stats = graphStats(path.join(tempDir(), 'nothing-here'));
    expect(stats.fragments).toBe(0);
    expect(stats.totalNodes).toBe(0);
    expect(stats.nodes).toEqual({});
  });

  it('reports a fragment file that is not JSON, and counts the rest', () => {
    const dir = tempDir();
    writeFragment(dir, twoFragments()[0]);
    fs.writeFileSync(path.join(dir, 'fragments', 'broken.json'), '{"nodes": [');
    fs.writeFileSync(path.join(dir, 'fragments', 'other.json'), '{"hello": 1}');
    const stats = graphStats(dir);
    expect(stats.fragments).toBe(1);
    expect(stats.unreadable.map((u) => path.basename(u.file))).toEqual(['broken.json', 'other.json']);
  });

  it('merged properties: a later missing value keeps the earlier one; arrays union', () => {
    const dir = tempDir();
    const [a, b] = twoFragments();
    b.nodes[1]!.props = { cik: '9000000001' };
    writeFragment(dir, a);
    writeFragment(dir, b);
    const { graph } = loadGraph(dir);
    expect(graph.nodes.get('Company\u00009000000001')?.props).toEqual({ cik: '9000000001', name: 'ZORQUIL FICTITIOUS SOFTWARE INC', sic: '7372' });
  });
});
