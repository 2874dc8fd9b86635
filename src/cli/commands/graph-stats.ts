import * as path from 'node:path';
import { graphStats, type GraphStats } from '../../graph/stats.js';
import { EXIT } from '../errors.js';
import { runtime, type CommonFlags } from '../runtime.js';

export interface GraphFlags extends CommonFlags {
  graphDir?: string;
}

interface Flags extends GraphFlags {
  json?: boolean;
  files?: boolean;
}

export function graphDirOf(flags: GraphFlags, configured: string): string {
  return flags.graphDir ? path.resolve(flags.graphDir) : configured;
}

/** Exit 1 when some fragment file could not be read: the counts leave it out. */
export default async function stats(flags: Flags): Promise<number> {
  const { config } = runtime(flags);
  if (config.neo4j && !flags.files) return (await import('./graph-stats-neo4j.js')).neo4jStats(config.neo4j, flags.json === true);
  const result = graphStats(graphDirOf(flags, config.graphDir));
  if (flags.json) {
    const { unreadable, ...rest } = result;
    process.stdout.write(`${JSON.stringify(unreadable.length > 0 ? { ...rest, unreadable } : rest)}\n`);
  } else {
    process.stdout.write(render(result));
  }
  for (const u of result.unreadable) process.stderr.write(`edgar: ${u.file}: ${u.error}\n`);
  return result.unreadable.length > 0 ? EXIT.jobsFailed : EXIT.ok;
}

export function render(s: GraphStats): string {
  const lines = [`graph ${s.graphDir}: ${s.fragments} fragment${s.fragments === 1 ? '' : 's'}`];
  if (s.fragments === 0) lines.push('  (no fragments yet: `edgar load-graph` or a worker writes one per filing)');
  const width = Math.max(8, ...Object.keys(s.nodes).map((k) => k.length), ...Object.keys(s.relationships).map((k) => k.length));
  const numWidth = String(Math.max(s.totalNodes, s.totalRelationships)).length;
  lines.push(`nodes ${s.totalNodes}`);
  for (const [label, n] of Object.entries(s.nodes)) lines.push(`  ${label.padEnd(width)}  ${String(n).padStart(numWidth)}`);
  lines.push(`relationships ${s.totalRelationships}`);
  for (const [type, n] of Object.entries(s.relationships)) lines.push(`  ${type.padEnd(width)}  ${String(n).padStart(numWidth)}`);
  if (s.unreadable.length > 0) lines.push(`unreadable fragment files: ${s.unreadable.length} (left out of the counts)`);
  return lines.join('\n') + '\n';
}
