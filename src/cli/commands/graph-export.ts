import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportCsv } from '../../graph/export-csv.js';
import { exportCypher } from '../../graph/export-cypher.js';
import { loadGraph } from '../../graph/merge.js';
import { EXIT, UsageError } from '../errors.js';
import { runtime } from '../runtime.js';
import { graphDirOf, type GraphFlags } from './graph-stats.js';

interface Flags extends GraphFlags {
  format: 'csv' | 'cypher';
  out: string;
}

/** Exit 1 when some fragment file could not be read: the export leaves it out. */
export default async function graphExport(flags: Flags): Promise<number> {
  const { config } = runtime(flags);
  const graphDir = graphDirOf(flags, config.graphDir);
  const outDir = path.resolve(flags.out);
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new UsageError(`--out ${flags.out} is not a folder`);
  const { graph, unreadable } = loadGraph(graphDir);
  for (const u of unreadable) process.stderr.write(`edgar: ${u.file}: ${u.error}\n`);
  const from = `from ${graph.fragments} fragment${graph.fragments === 1 ? '' : 's'} in ${graphDir}`;
  try {
    if (flags.format === 'csv') {
      const r = exportCsv(graph, outDir);
      process.stdout.write(
        `wrote ${r.nodes} nodes in ${r.nodeFiles.length} files and ${r.relationships} relationships in ${r.relationshipFiles.length} files ${from} to ${outDir}\n` +
          `load into a new database (Neo4j stopped): sh ${path.join(outDir, 'import.sh')}   or, in ${outDir}:\n  ${r.command}\n`,
      );
      warn(r.danglingRelationships, r.skippedProperties);
    } else {
      const r = exportCypher(graph, outDir);
      process.stdout.write(
        `wrote ${r.constraints} constraints, ${r.nodes} nodes and ${r.relationships} relationships ${from} to ${r.file}\n` +
          `load (idempotent): ${r.command}\n`,
      );
      warn(r.danglingRelationships, []);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR') {
      throw new UsageError(`cannot write the export under ${outDir} (${code})`);
    }
    throw err;
  }
  return unreadable.length > 0 ? EXIT.jobsFailed : EXIT.ok;
}

function warn(dangling: number, skipped: string[]): void {
  if (dangling > 0) process.stderr.write(`edgar: left out ${dangling} relationships whose end node is in no fragment\n`);
  if (skipped.length > 0) process.stderr.write(`edgar: left out properties a CSV header cannot name: ${skipped.join(', ')}\n`);
}
