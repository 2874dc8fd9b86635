import type { Config } from '../config.js';

export interface Neo4jCheck {
  name: string;
  ok: boolean | 'skip';
  required: boolean;
  detail: string;
}

/**
 * `edgar doctor`'s Neo4j line: reachable, credentials accepted, the database present, the
 * server's version, the key constraints and the property indexes (created first with
 * --create-constraints).
 * The driver is loaded only when NEO4J_URI is set.
 */
export async function neo4jCheck(settings: Config['neo4j'], createConstraints: boolean): Promise<Neo4jCheck> {
  const name = 'neo4j';
  if (!settings) {
    return { name, ok: 'skip', required: false, detail: 'NEO4J_URI not set: the file graph store alone (`edgar graph push` loads it into Neo4j later)' };
  }
  const [{ connect, verify }, admin, schema, { safeUri }] = await Promise.all([
    import('../graph/neo4j/connection.js'),
    import('../graph/neo4j/admin.js'),
    import('../graph/neo4j/schema.js'),
    import('../graph/neo4j/errors.js'),
  ]);
  let conn;
  try {
    conn = connect(settings, { maxRetryTimeMs: 2_000, connectionTimeoutMs: 3_000 });
  } catch (err) {
    return { name, ok: false, required: true, detail: (err as Error).message };
  }
  const where = `${safeUri(conn.target.uri)} database "${conn.target.database}" as ${conn.target.user}`;
  try {
    const agent = await verify(conn);
    const version = await admin.serverVersion(conn);
    const added = createConstraints ? await admin.createConstraints(conn, schema.KNOWN_LABELS) : 0;
    const addedIndexes = createConstraints ? await admin.createIndexes(conn) : 0;
    const constraints = await admin.listConstraints(conn);
    const missing = schema.labelsWithoutKeyConstraint(schema.KNOWN_LABELS, constraints);
    const missingIndexes = schema.missingIndexes(schema.PROPERTY_INDEXES, await admin.listIndexes(conn));
    const counts = await admin.databaseCounts(conn);
    const unknown = schema.labelsWithoutKeyConstraint(Object.keys(counts.nodes), constraints).filter((l) => !missing.includes(l));
    const have = schema.KNOWN_LABELS.length - missing.length;
    let detail = `${where}: ${version.name} ${version.version} ${version.edition} (Bolt ${agent.bolt}); key constraints ${have}/${schema.KNOWN_LABELS.length}`;
    if (added > 0) detail += ` (${added} created now)`;
    if (missing.length > 0) detail += `; missing for ${missing.join(', ')}: run \`edgar doctor --create-constraints\` (coordinate creates them too)`;
    detail += `; indexes ${schema.PROPERTY_INDEXES.length - missingIndexes.length}/${schema.PROPERTY_INDEXES.length}`;
    if (addedIndexes > 0) detail += ` (${addedIndexes} created now)`;
    if (missingIndexes.length > 0) {
      detail += `; no index on ${missingIndexes.map((i) => `${i.label}.${i.property}`).join(', ')}: lookups by them scan the label; \`edgar doctor --create-constraints\` creates them`;
    }
    if (unknown.length > 0) detail += `; labels in the graph without a key constraint: ${unknown.join(', ')} (add them to KNOWN_LABELS in src/graph/neo4j/schema.ts)`;
    // Missing constraints slow writes and allow duplicates under concurrency, missing indexes
    // slow queries, but writes still work: a warning.
    return { name, ok: missing.length === 0 && missingIndexes.length === 0, required: false, detail };
  } catch (err) {
    return { name, ok: false, required: true, detail: (err as Error).message };
  } finally {
    await conn.close();
  }
}
