import { databaseCounts } from '../../graph/neo4j/admin.js';
import { connect, type Connection, type Neo4jSettings } from '../../graph/neo4j/connection.js';
import { safeUri } from '../../graph/neo4j/errors.js';
import { EXIT, UsageError } from '../errors.js';

/** `graph stats` when NEO4J_URI is set: what users will query, counted by Neo4j itself. */
export async function neo4jStats(settings: Neo4jSettings, json: boolean): Promise<number> {
  let conn: Connection | undefined;
  let counts;
  try {
    conn = connect(settings, { maxRetryTimeMs: 5_000 });
    counts = await databaseCounts(conn);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; or \`edgar graph stats --files\` to count the file graph store`);
  } finally {
    await conn?.close();
  }
  const where = { neo4j: safeUri(conn!.target.uri), database: conn!.target.database };
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...where, ...counts })}\n`);
    return EXIT.ok;
  }
  const names = [...Object.keys(counts.nodes), ...Object.keys(counts.relationships)];
  const width = Math.max(8, ...names.map((n) => n.length));
  const numWidth = String(Math.max(counts.totalNodes, counts.totalRelationships)).length;
  const lines = [`graph in Neo4j ${where.neo4j}, database "${where.database}"`, `nodes ${counts.totalNodes}`];
  for (const [label, n] of Object.entries(counts.nodes)) lines.push(`  ${label.padEnd(width)}  ${String(n).padStart(numWidth)}`);
  lines.push(`relationships ${counts.totalRelationships}`);
  for (const [type, n] of Object.entries(counts.relationships)) lines.push(`  ${type.padEnd(width)}  ${String(n).padStart(numWidth)}`);
  if (counts.totalNodes === 0) lines.push('  (empty: workers write here as they finish filings; `edgar graph push` loads GRAPH_DIR)');
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}
